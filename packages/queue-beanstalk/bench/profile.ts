/**
 * One side of a benchmark, alone in the process, for `node --cpu-prof` (see `bench/top-frames.ts`
 * for the table) and for CPU time per job: `PROFILE_SIDE` is `worker` (ours through @x/worker,
 * concurrency 16), `raw` (raw fivebeans put + 16 reserve/delete loops), `many` (`enqueueMany`) or
 * `raw-many` (raw fivebeans pipelining prebuilt bodies). `BENCH_JOBS` jobs per round,
 * `BENCH_ROUNDS` rounds after a warm-up one; prints this process's CPU per 1,000 jobs per round.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx --conditions=@x/source bench/profile.ts
 */
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { performance } from "node:perf_hooks";
import { startBeanstalkd } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { createBeanstalkQueue } from "../src/index.js";
import type { FiveBeansClient } from "../src/protocol/fivebeans.js";
import { PUT_WINDOW } from "../src/protocol/session.js";
import { connectFivebeans } from "../test/helpers.js";

const SIDE = process.env.PROFILE_SIDE ?? "worker";
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;

await using server = await startBeanstalkd();
let tubeCounter = 0;
const nextTube = (): string => `prof-${String(process.pid)}-${String(++tubeCounter)}`;

const call = (run: (done: (err: string | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    run((err) => {
      if (err === null) resolve();
      else reject(new Error(err));
    });
  });

async function connect(tube: string, role: "producer" | "consumer"): Promise<FiveBeansClient> {
  const client = await connectFivebeans(server.host, server.port);
  if (role === "producer")
    await call((done) => {
      client.use(tube, done);
    });
  else {
    await call((done) => {
      client.watch(tube, done);
    });
    await call((done) => {
      client.ignore("default", done);
    });
  }
  return client;
}

function rawPuts(producer: FiveBeansClient, body: (i: number) => Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    const putNext = (): void => {
      const i = sent++;
      producer.put(65_536, 0, 60, body(i), (err) => {
        if (err !== null) reject(new Error(err));
        else if (++answered === JOBS) resolve();
        else if (sent < JOBS) putNext();
      });
    };
    while (sent < Math.min(JOBS, PUT_WINDOW)) putNext();
  });
}

const e2eBody = (i: number): Buffer =>
  Buffer.from(JSON.stringify({ id: String(i), header: { request_type: "noop", priority: 65_536, attempts: 0 }, body: { payload: i } }));
const loadBody = (i: number): Buffer =>
  Buffer.from(
    JSON.stringify({ id: String(i), header: { request_type: "load", priority: 65_536, attempts: 0 }, body: { payload: { n: i } } }),
  );

async function raw(): Promise<void> {
  const tube = nextTube();
  const producer = await connect(tube, "producer");
  const consumers = await Promise.all(Array.from({ length: CONCURRENCY }, () => connect(tube, "consumer")));
  let processed = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const loop = (client: FiveBeansClient): void => {
      client.reserve((err, id) => {
        if (err !== null) {
          reject(new Error(err));
          return;
        }
        client.destroy(Number(id), (deleteErr) => {
          if (deleteErr !== null) reject(new Error(deleteErr));
          else if (++processed === JOBS) resolve();
          else loop(client);
        });
      });
    };
    for (const client of consumers) loop(client);
  });
  await rawPuts(producer, e2eBody);
  await finished;
  for (const client of [producer, ...consumers]) client.stream?.destroy();
}

async function worker(): Promise<void> {
  const queue = createBeanstalkQueue({ host: server.host, port: server.port, tube: nextTube() });
  const running = createWorker({
    queue,
    concurrency: CONCURRENCY,
    pollTimeoutMs: 1_000,
    handleSignals: false,
    handlers: { noop: () => undefined },
  });
  let processed = 0;
  const finished = new Promise<void>((resolve) => {
    running.on("succeeded", () => {
      if (++processed === JOBS) resolve();
    });
  });
  await queue.stats();
  const loop = running.run();
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < JOBS; i++) puts.push(queue.enqueue({ requestType: "noop", payload: i }));
  await Promise.all(puts);
  await finished;
  await running.close();
  await loop;
  await queue.close();
}

async function many(): Promise<void> {
  const queue = createBeanstalkQueue({ host: server.host, port: server.port, tube: nextTube() });
  await queue.stats();
  const inits = Array.from({ length: JOBS }, (_, i) => ({ requestType: "load", payload: { n: i } }));
  const results = await queue.enqueueMany(inits);
  if (!results.every((result) => result.ok)) throw new Error("a put failed");
  await queue.close();
}

async function rawMany(): Promise<void> {
  const producer = await connect(nextTube(), "producer");
  await rawPuts(producer, loadBody);
  producer.stream?.destroy();
}

/** beanstalkd's CPU time so far, in ms (utime + stime from /proc, in clock ticks of 10 ms). */
function serverCpuMs(): number {
  const fields =
    readFileSync(`/proc/${String(server.pid)}/stat`, "utf8")
      .split(") ")[1]
      ?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Read and write system calls of a process so far (`syscr`, `syscw` of /proc/<pid>/io). */
function syscalls(pid: number | "self"): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${String(pid)}/io`, "utf8");
  return { reads: Number(/syscr: ([0-9]+)/.exec(io)?.[1]), writes: Number(/syscw: ([0-9]+)/.exec(io)?.[1]) };
}

/** The server's `cmd-*` counters (its `stats`), read on a socket of their own. */
async function serverCommands(): Promise<Map<string, number>> {
  const socket = createConnection({ host: server.host, port: server.port });
  let text = "";
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.endsWith("\r\n") && text.split("\n").length > 20) resolve();
    });
    socket.write("stats\r\n");
  });
  socket.destroy();
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^cmd-([a-z-]+): ([0-9]+)/.exec(line);
    if (match?.[1] !== undefined) counts.set(match[1], Number(match[2]));
  }
  return counts;
}

const sides: Record<string, () => Promise<void>> = { raw, worker, many, "raw-many": rawMany };
const run = sides[SIDE];
if (!run) throw new Error(`PROFILE_SIDE must be one of ${Object.keys(sides).join(", ")}`);
for (let round = 0; round <= ROUNDS; round++) {
  const commandsBefore = await serverCommands();
  const serverBefore = serverCpuMs();
  const callsBefore = syscalls("self");
  const before = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(before);
  const ms = performance.now() - started;
  const callsAfter = syscalls("self");
  const serverUsed = serverCpuMs() - serverBefore;
  const commands = [...(await serverCommands())]
    .map(([name, count]) => [name, (count - (commandsBefore.get(name) ?? 0)) / JOBS] as const)
    .filter(([, perJob]) => perJob >= 0.01)
    .map(([name, perJob]) => `${name} ${perJob.toFixed(2)}`)
    .join(", ");
  console.log(
    `${SIDE} round ${String(round)}${round === 0 ? " (warm-up)" : ""}: ${Math.round((JOBS * 1000) / ms).toLocaleString("en-US")} jobs/s, ` +
      `CPU ${((used.user + used.system) / JOBS).toFixed(1)} ms per 1,000 jobs, beanstalkd ${((serverUsed * 1000) / JOBS).toFixed(1)} ms; ` +
      `commands per job: ${commands}; system calls per job: ${((callsAfter.writes - callsBefore.writes) / JOBS).toFixed(2)} writes, ` +
      `${((callsAfter.reads - callsBefore.reads) / JOBS).toFixed(2)} reads`,
  );
}
