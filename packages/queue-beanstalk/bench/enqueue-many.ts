/**
 * Loading 10,000 jobs into a tube:
 *
 * - ours: `enqueueMany` (pipelined puts on one connection);
 * - baseline: one awaited `enqueue` per job, what a script without a batch call does;
 * - also raw fivebeans, pipelining its puts the same way (at most `PUT_WINDOW` in flight), and
 *   raw fivebeans with one put per round trip;
 * - and BullMQ's `addBulk` of the same jobs on this machine's Redis (127.0.0.1:6379), done when
 *   its promise resolves (Redis answered the MULTI; how durable that is depends on Redis's
 *   `appendonly`/`appendfsync`, which the run prints).
 *
 * Every side stops when the server has answered every put (`INSERTED`), the durability of
 * `enqueue`. One warm-up round, then `BENCH_ROUNDS` (default 5) rounds alternating the sides; the
 * round with the median ratio is reported. `BENCH_JOBS` (default 10000) scales it.
 *
 * On loopback a round trip costs about as much as the CPU work of a put, so one put per round trip
 * loses little there; across a network it loses a round trip per job. Ours and the one-by-one
 * baseline are measured again through a proxy that delays every chunk by `BENCH_LATENCY_MS`
 * (default 1) each way, a network between two hosts.
 */
import { createConnection, createServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { compare, machine } from "@x/bench";
import { startBeanstalkd } from "@x/test-servers";
import { Queue as BullQueue } from "bullmq";
import { Redis } from "ioredis";
import { createBeanstalkQueue } from "../src/index.js";
import type { FiveBeansClient } from "../src/protocol/fivebeans.js";
import { PUT_WINDOW } from "../src/protocol/session.js";
import { connectFivebeans } from "../test/helpers.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 1);

await using server = await startBeanstalkd();

/** A TCP proxy that forwards every chunk after `delayMs`, in order, both ways. */
async function startLatencyProxy(port: number, delayMs: number): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket): void => {
    from.on("data", (chunk: Buffer) => {
      // Timers of the same delay fire in the order they were set: the byte order is kept.
      setTimeout(() => to.write(chunk), delayMs);
    });
    from.on("close", () => to.destroy());
    from.on("error", () => to.destroy());
  };
  const proxy = createServer((client) => {
    const upstream = createConnection({ host: server.host, port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  if (typeof address !== "object" || address === null) throw new Error("proxy has no address");
  return {
    port: address.port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}
const far = await startLatencyProxy(server.port, LATENCY_MS);
let tubeCounter = 0;
const nextTube = (): string => `bench-many-${String(process.pid)}-${String(++tubeCounter)}`;
const inits = Array.from({ length: JOBS }, (_, i) => ({ requestType: "load", payload: { n: i } }));

/** Jobs per second of `run`, which puts JOBS jobs into a fresh tube. */
async function rate(run: (tube: string) => Promise<void>): Promise<number> {
  const tube = nextTube();
  const started = performance.now();
  await run(tube);
  return (JOBS * 1000) / (performance.now() - started);
}

async function withQueue(
  tube: string,
  fill: (queue: ReturnType<typeof createBeanstalkQueue>) => Promise<void>,
  port = server.port,
): Promise<void> {
  const queue = createBeanstalkQueue({ host: server.host, port, tube });
  await fill(queue);
  await queue.close();
}

const ours = (tube: string, port = server.port): Promise<void> =>
  withQueue(
    tube,
    async (queue) => {
      const results = await queue.enqueueMany(inits);
      if (!results.every((result) => result.ok)) throw new Error("a put failed");
    },
    port,
  );

const onePerCall = (tube: string, port = server.port): Promise<void> =>
  withQueue(
    tube,
    async (queue) => {
      for (const init of inits) await queue.enqueue(init);
    },
    port,
  );

async function rawProducer(tube: string): Promise<FiveBeansClient> {
  const client = await connectFivebeans(server.host, server.port);
  await new Promise<void>((resolve, reject) => {
    client.use(tube, (err) => {
      if (err === null) resolve();
      else reject(new Error(err));
    });
  });
  return client;
}

const body = (i: number): Buffer =>
  Buffer.from(
    JSON.stringify({ id: String(i), header: { request_type: "load", priority: 65_536, attempts: 0 }, body: { payload: { n: i } } }),
  );

async function rawPipelined(tube: string): Promise<void> {
  const client = await rawProducer(tube);
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    const putNext = (): void => {
      const i = sent++;
      client.put(65_536, 0, 60, body(i), (err) => {
        if (err !== null) reject(new Error(err));
        else if (++answered === JOBS) resolve();
        else if (sent < JOBS) putNext();
      });
    };
    while (sent < Math.min(JOBS, PUT_WINDOW)) putNext();
  });
  client.stream?.destroy();
}

async function rawOneByOne(tube: string): Promise<void> {
  const client = await rawProducer(tube);
  for (let i = 0; i < JOBS; i++) {
    await new Promise<void>((resolve, reject) => {
      client.put(65_536, 0, 60, body(i), (err) => {
        if (err === null) resolve();
        else reject(new Error(err));
      });
    });
  }
  client.stream?.destroy();
}

const REDIS = { host: "127.0.0.1", port: 6379 };
const bullJobs = inits.map((init) => ({ name: init.requestType, data: init.payload }));

/** BullMQ `addBulk` of the same jobs into a fresh queue, removed afterwards (not timed). */
async function bullAddBulk(tube: string): Promise<void> {
  const queue = new BullQueue(tube, { connection: REDIS });
  await queue.waitUntilReady();
  const jobs = await queue.addBulk(bullJobs);
  if (jobs.length !== JOBS) throw new Error("addBulk added fewer jobs");
  cleanUps.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
}
const cleanUps: (() => Promise<void>)[] = [];

/** What an acknowledged write to Redis means on this machine. */
async function redisDurability(): Promise<string> {
  const redis = new Redis(REDIS);
  try {
    const [, appendonly] = await redis.config("GET", "appendonly");
    const [, appendfsync] = await redis.config("GET", "appendfsync");
    return `Redis appendonly ${String(appendonly)}, appendfsync ${String(appendfsync)}`;
  } finally {
    redis.disconnect();
  }
}

const sides = {
  ours,
  bullAddBulk,
  onePerCall,
  rawPipelined,
  rawOneByOne,
  oursFar: (tube: string) => ours(tube, far.port),
  onePerCallFar: (tube: string) => onePerCall(tube, far.port),
} as const;
const rates: Record<keyof typeof sides, number[]> = {
  ours: [],
  onePerCall: [],
  rawPipelined: [],
  rawOneByOne: [],
  bullAddBulk: [],
  oursFar: [],
  onePerCallFar: [],
};
const fmt = (n: number | undefined): string => Math.round(n ?? 0).toLocaleString("en-US");
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, run] of Object.entries(sides) as [keyof typeof sides, (tube: string) => Promise<void>][]) {
    const measured = await rate(run);
    if (round > 0) rates[name].push(measured);
    for (const cleanUp of cleanUps.splice(0)) await cleanUp();
  }
  if (round > 0) {
    console.log(
      `round ${String(round)}: enqueueMany ${fmt(rates.ours.at(-1))}/s, one enqueue per job ${fmt(rates.onePerCall.at(-1))}/s, ` +
        `raw fivebeans pipelined ${fmt(rates.rawPipelined.at(-1))}/s, one by one ${fmt(rates.rawOneByOne.at(-1))}/s, ` +
        `BullMQ addBulk ${fmt(rates.bullAddBulk.at(-1))}/s; ` +
        `${String(LATENCY_MS)} ms each way: enqueueMany ${fmt(rates.oursFar.at(-1))}/s, one enqueue per job ${fmt(rates.onePerCallFar.at(-1))}/s`,
    );
  }
}

far.close();
console.log(machine());
console.log(await redisDurability());
console.log(`${String(JOBS)} jobs, ${String(ROUNDS)} rounds after a warm-up round`);

/** The round whose ratio is the median: its two figures were measured next to each other. */
function medianRound(a: number[], b: number[]): { ours: number; baseline: number } {
  const rounds = a.map((value, i) => ({ ours: value, baseline: b[i] ?? Number.NaN }));
  rounds.sort((x, y) => x.ours / x.baseline - y.ours / y.baseline);
  return rounds[Math.floor(rounds.length / 2)] ?? { ours: Number.NaN, baseline: Number.NaN };
}

compare({
  name: `enqueueMany of ${String(JOBS)} jobs vs one awaited enqueue per job, ${String(LATENCY_MS)} ms each way, median round`,
  unit: "jobs/s",
  ...medianRound(rates.oursFar, rates.onePerCallFar),
  baselineName: "one enqueue per job",
  target: ">= 5",
});
compare({
  name: `enqueueMany of ${String(JOBS)} jobs vs one awaited enqueue per job, loopback, median round`,
  unit: "jobs/s",
  ...medianRound(rates.ours, rates.onePerCall),
  baselineName: "one enqueue per job",
  target: ">= 5",
});
compare({
  name: `enqueueMany of ${String(JOBS)} jobs vs BullMQ addBulk of the same jobs, loopback, median round`,
  unit: "jobs/s",
  ...medianRound(rates.ours, rates.bullAddBulk),
  baselineName: "BullMQ 6.7.0 addBulk on Redis",
});
compare({
  name: `enqueueMany of ${String(JOBS)} jobs vs raw fivebeans pipelining the same puts, median round`,
  unit: "jobs/s",
  ...medianRound(rates.ours, rates.rawPipelined),
  // No target: the raw side writes prepared bytes, ours also makes each message (id, checks, encoding).
  baselineName: `raw fivebeans (${String(PUT_WINDOW)} puts in flight)`,
});
compare({
  name: "raw fivebeans: pipelined vs one put per round trip, median round",
  unit: "jobs/s",
  ...medianRound(rates.rawPipelined, rates.rawOneByOne),
  baselineName: "raw fivebeans, one put per round trip",
});
