/**
 * End to end: put N jobs and process them all with a no-op handler at concurrency 16.
 *
 * - ours: `createBeanstalkQueue` + `createWorker` from @x/worker;
 * - baseline: raw fivebeans, the same puts (pipelined on one connection, at most `PUT_WINDOW` in
 *   flight, as the adapter does) and 16 connections each looping reserve -> delete;
 * - also: BullMQ on this machine's Redis (127.0.0.1:6379), same job count and concurrency.
 *
 * One warm-up round of each (not counted: the first rounds run on cold JIT), then rounds that
 * alternate between them so that a noisy neighbour hurts them alike; the round with the median
 * ratio is reported. Besides the rates it records, per 1000 jobs, this process's CPU time and
 * beanstalkd's (from /proc), the two halves of the work on a 2-core machine.
 * `BENCH_JOBS` (default 20000) and `BENCH_ROUNDS` (default 7) scale it.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { compare, machine } from "@x/bench";
import { startBeanstalkd } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { Queue as BullQueue, Worker as BullWorker } from "bullmq";
import { createBeanstalkQueue } from "../src/index.js";
import type { FiveBeansClient } from "../src/protocol/fivebeans.js";
import { PUT_WINDOW } from "../src/protocol/session.js";
import { connectFivebeans } from "../test/helpers.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONCURRENCY = 16;
const REDIS = { host: "127.0.0.1", port: 6379 };

await using server = await startBeanstalkd();
let tubeCounter = 0;
const nextTube = (): string => `bench-${String(process.pid)}-${String(++tubeCounter)}`;

async function connect(tube: string, role: "producer" | "consumer"): Promise<FiveBeansClient> {
  const client = await connectFivebeans(server.host, server.port);
  const call = (run: (done: (err: string | null) => void) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      run((err) => {
        if (err === null) resolve();
        else reject(new Error(err));
      });
    });
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

/** Raw fivebeans: what a careful hand-written client does, with no adapter or worker around it. */
async function rawFivebeans(): Promise<number> {
  const tube = nextTube();
  const producer = await connect(tube, "producer");
  const consumers = await Promise.all(Array.from({ length: CONCURRENCY }, () => connect(tube, "consumer")));
  const started = performance.now();
  let processed = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const loop = (client: FiveBeansClient): void => {
      client.reserve((err, id) => {
        if (err !== null) {
          reject(new Error(err));
          return;
        }
        client.destroy(Number(id), (deleteErr) => {
          if (deleteErr !== null) {
            reject(new Error(deleteErr));
            return;
          }
          if (++processed === JOBS) resolve();
          else loop(client);
        });
      });
    };
    for (const client of consumers) loop(client);
  });
  // At most PUT_WINDOW puts in flight, like the adapter: fivebeans shift()s an array of reply
  // parsers per reply, so 20 000 puts in flight at once would cost the baseline CPU for nothing.
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acknowledged = 0;
    const putNext = (): void => {
      const i = sent++;
      const body = Buffer.from(
        JSON.stringify({ id: String(i), header: { request_type: "noop", priority: 65_536, attempts: 0 }, body: { payload: i } }),
      );
      producer.put(65_536, 0, 60, body, (err) => {
        if (err !== null) {
          reject(new Error(err));
          return;
        }
        if (++acknowledged === JOBS) resolve();
        else if (sent < JOBS) putNext();
      });
    };
    while (sent < Math.min(JOBS, PUT_WINDOW)) putNext();
  });
  await finished;
  const ms = performance.now() - started;
  for (const client of [producer, ...consumers]) client.stream?.destroy();
  return (JOBS * 1000) / ms;
}

/** Ours: the adapter under @x/worker, jobs enqueued through the adapter. */
async function oursWithWorker(prefetch: number, concurrency = CONCURRENCY, jobs = JOBS): Promise<number> {
  const queue = createBeanstalkQueue({ host: server.host, port: server.port, tube: nextTube(), prefetch });
  const worker = createWorker({
    queue,
    concurrency,
    pollTimeoutMs: 1_000,
    handleSignals: false,
    handlers: { noop: () => undefined },
  });
  let processed = 0;
  const finished = new Promise<void>((resolve) => {
    worker.on("succeeded", () => {
      if (++processed === jobs) resolve();
    });
  });
  // Connect first, like the raw run does before its clock starts.
  await queue.stats();
  const started = performance.now();
  const running = worker.run();
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < jobs; i++) puts.push(queue.enqueue({ requestType: "noop", payload: i }));
  await Promise.all(puts);
  await finished;
  const ms = performance.now() - started;
  await worker.close();
  await running;
  await queue.close();
  return (jobs * 1000) / ms;
}

/** BullMQ on Redis: the same jobs, one `add` each, a no-op processor at the same concurrency. */
async function bullmq(): Promise<number> {
  const name = `x-bench-${String(process.pid)}-${String(++tubeCounter)}`;
  const queue = new BullQueue(name, { connection: REDIS });
  await queue.waitUntilReady();
  let processed = 0;
  let resolveDone!: () => void;
  const finished = new Promise<void>((resolve) => (resolveDone = resolve));
  const started = performance.now();
  const worker = new BullWorker(name, async () => undefined, {
    connection: REDIS,
    concurrency: CONCURRENCY,
    removeOnComplete: { count: 0 },
  });
  worker.on("completed", () => {
    if (++processed === JOBS) resolveDone();
  });
  const adds: Promise<unknown>[] = [];
  for (let i = 0; i < JOBS; i++) adds.push(queue.add("noop", { payload: i }, { removeOnComplete: true }));
  await Promise.all(adds);
  await finished;
  const ms = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return (JOBS * 1000) / ms;
}

/** beanstalkd's CPU time so far, in ms (utime + stime from /proc, in clock ticks of 10 ms). */
function serverCpuMs(): number {
  const fields =
    readFileSync(`/proc/${String(server.pid)}/stat`, "utf8")
      .split(") ")[1]
      ?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Side {
  readonly rates: number[];
  /** This process's CPU per 1000 jobs, ms. */
  readonly cpu: number[];
  /** beanstalkd's CPU per 1000 jobs, ms. */
  readonly serverCpu: number[];
}
const side = (): Side => ({ rates: [], cpu: [], serverCpu: [] });

/** Runs one measurement and records the rate and the CPU time per 1000 jobs of both processes. */
async function measure(run: () => Promise<number>, into: Side | undefined, jobs = JOBS): Promise<void> {
  const before = process.cpuUsage();
  const serverBefore = serverCpuMs();
  const rate = await run();
  const used = process.cpuUsage(before);
  if (!into) return;
  into.rates.push(rate);
  into.cpu.push((used.user + used.system) / 1000 / (jobs / 1000));
  into.serverCpu.push((serverCpuMs() - serverBefore) / (jobs / 1000));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/**
 * Prefetch is for callers that reserve one job at a time (README, `prefetch`): it is measured at
 * concurrency 1, against the same worker without it, on a quarter of the jobs.
 */
const PREFETCH = 3;
const SERIAL_JOBS = Math.max(1, Math.floor(JOBS / 4));
const raw = side();
const ours = side();
const serial = side();
const prefetched = side();
const bull = side();
const fmt = (n: number | undefined): string => Math.round(n ?? 0).toLocaleString("en-US");
for (let round = 0; round <= ROUNDS; round++) {
  // Round 0 warms the JIT up for every side and is not counted.
  const counted = round > 0;
  await measure(rawFivebeans, counted ? raw : undefined);
  await measure(() => oursWithWorker(0), counted ? ours : undefined);
  await measure(() => oursWithWorker(0, 1, SERIAL_JOBS), counted ? serial : undefined, SERIAL_JOBS);
  await measure(() => oursWithWorker(PREFETCH, 1, SERIAL_JOBS), counted ? prefetched : undefined, SERIAL_JOBS);
  await measure(bullmq, counted ? bull : undefined);
  if (!counted) continue;
  console.log(
    `round ${String(round)}: raw fivebeans ${fmt(raw.rates.at(-1))}/s, ours ${fmt(ours.rates.at(-1))}/s, ` +
      `BullMQ ${fmt(bull.rates.at(-1))}/s; concurrency 1: ours ${fmt(serial.rates.at(-1))}/s, ` +
      `with prefetch ${String(PREFETCH)} ${fmt(prefetched.rates.at(-1))}/s`,
  );
}

console.log(machine());
const ms = (values: number[]): string => median(values).toFixed(0);
console.log(
  `CPU per 1000 jobs, median (this process / beanstalkd): raw fivebeans ${ms(raw.cpu)} / ${ms(raw.serverCpu)} ms, ` +
    `ours ${ms(ours.cpu)} / ${ms(ours.serverCpu)} ms, ` +
    `BullMQ ${ms(bull.cpu)} ms (Redis not measured)`,
);
console.log(`${String(JOBS)} jobs, concurrency ${String(CONCURRENCY)}, ${String(ROUNDS)} rounds after a warm-up round`);

/**
 * The round whose ours/baseline ratio is the median: its two figures were measured next to each
 * other, so the load of the shared machine weighs on both alike.
 */
function medianRound(ours: number[], base: number[]): { ours: number; baseline: number } {
  const rounds = ours.map((o, i) => ({ ours: o, baseline: base[i] ?? Number.NaN }));
  rounds.sort((a, b) => a.ours / a.baseline - b.ours / b.baseline);
  return rounds[Math.floor(rounds.length / 2)] ?? { ours: Number.NaN, baseline: Number.NaN };
}

const RAW = "raw fivebeans (put + 16 reserve/delete loops)";
const BULL = "BullMQ 6.7.0 (add + Worker)";
compare({
  name: "put N + process N through @x/worker, no-op handler, concurrency 16 (default options), median round",
  unit: "jobs/s",
  ...medianRound(ours.rates, raw.rates),
  baselineName: RAW,
  target: ">= 0.9",
});
compare({
  name: "default options vs BullMQ on Redis, median round",
  unit: "jobs/s",
  ...medianRound(ours.rates, bull.rates),
  baselineName: BULL,
});
compare({
  name: `concurrency 1, prefetch ${String(PREFETCH)} (${String(SERIAL_JOBS)} jobs), median round`,
  unit: "jobs/s",
  ...medianRound(prefetched.rates, serial.rates),
  baselineName: "the same worker without prefetch",
});
