/**
 * End to end: put N jobs and process them all with a no-op handler at concurrency 16.
 *
 * - ours: `createBeanstalkQueue` + `createWorker` from @x/worker;
 * - baseline: raw fivebeans, the same puts (pipelined on one connection) and 16 connections each
 *   looping reserve -> delete;
 * - also: BullMQ on this machine's Redis (127.0.0.1:6379), same job count and concurrency.
 *
 * Rounds alternate between the three so that a noisy neighbour hurts them alike; the median round
 * of each is reported. `BENCH_JOBS` (default 10000) and `BENCH_ROUNDS` (default 5) scale it.
 */
import { performance } from "node:perf_hooks";
import type { FiveBeansClient } from "../src/protocol/fivebeans.js";
import { Queue as BullQueue, Worker as BullWorker } from "bullmq";
import { compare, machine } from "@x/bench";
import { startBeanstalkd } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { createBeanstalkQueue } from "../src/index.js";
import { connectFivebeans } from "../test/helpers.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
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
  if (role === "producer") await call((done) => { client.use(tube, done); });
  else {
    await call((done) => { client.watch(tube, done); });
    await call((done) => { client.ignore("default", done); });
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
  const puts: Promise<void>[] = [];
  for (let i = 0; i < JOBS; i++) {
    const body = Buffer.from(JSON.stringify({ id: String(i), header: { request_type: "noop", priority: 65_536, attempts: 0 }, body: { payload: i } }));
    puts.push(
      new Promise((resolve, reject) => {
        producer.put(65_536, 0, 60, body, (err) => {
          if (err === null) resolve();
          else reject(new Error(err));
        });
      }),
    );
  }
  await Promise.all(puts);
  await finished;
  const ms = performance.now() - started;
  for (const client of [producer, ...consumers]) client.stream?.destroy();
  return (JOBS * 1000) / ms;
}

/** Ours: the adapter under @x/worker, jobs enqueued through the adapter. */
async function oursWithWorker(prefetch: number): Promise<number> {
  const queue = createBeanstalkQueue({ host: server.host, port: server.port, tube: nextTube(), prefetch });
  const worker = createWorker({
    queue,
    concurrency: CONCURRENCY,
    pollTimeoutMs: 1_000,
    handleSignals: false,
    handlers: { noop: () => undefined },
  });
  let processed = 0;
  const finished = new Promise<void>((resolve) => {
    worker.on("succeeded", () => {
      if (++processed === JOBS) resolve();
    });
  });
  // Connect first, like the raw run does before its clock starts.
  await queue.stats();
  const started = performance.now();
  const running = worker.run();
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < JOBS; i++) puts.push(queue.enqueue({ requestType: "noop", payload: i }));
  await Promise.all(puts);
  await finished;
  const ms = performance.now() - started;
  await worker.close();
  await running;
  await queue.close();
  return (JOBS * 1000) / ms;
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

/** Runs one measurement and also records this process's CPU time per 1000 jobs. */
async function withCpu(run: () => Promise<number>, cpu: number[]): Promise<number> {
  const before = process.cpuUsage();
  const rate = await run();
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000 / (JOBS / 1000));
  return rate;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Prefetch for the tuned run: one less than the worker's concurrency (README, `prefetch`). */
const PREFETCH = CONCURRENCY - 1;
const results = { raw: [] as number[], ours: [] as number[], prefetched: [] as number[], bull: [] as number[] };
const cpu = { raw: [] as number[], ours: [] as number[], prefetched: [] as number[], bull: [] as number[] };
for (let round = 1; round <= ROUNDS; round++) {
  results.raw.push(await withCpu(rawFivebeans, cpu.raw));
  results.ours.push(await withCpu(() => oursWithWorker(0), cpu.ours));
  results.prefetched.push(await withCpu(() => oursWithWorker(PREFETCH), cpu.prefetched));
  results.bull.push(await withCpu(bullmq, cpu.bull));
  const fmt = (n: number | undefined): string => Math.round(n ?? 0).toLocaleString("en-US");
  console.log(
    `round ${String(round)}: raw fivebeans ${fmt(results.raw.at(-1))}/s, ours ${fmt(results.ours.at(-1))}/s, ` +
      `ours prefetch ${String(PREFETCH)} ${fmt(results.prefetched.at(-1))}/s, BullMQ ${fmt(results.bull.at(-1))}/s`,
  );
}

console.log(machine());
const ms = (values: number[]): string => median(values).toFixed(0);
console.log(
  `client CPU per 1000 jobs (median): raw fivebeans ${ms(cpu.raw)} ms, ours ${ms(cpu.ours)} ms, ` +
    `ours prefetch ${String(PREFETCH)} ${ms(cpu.prefetched)} ms, BullMQ ${ms(cpu.bull)} ms`,
);
console.log(`${String(JOBS)} jobs, concurrency ${String(CONCURRENCY)}, ${String(ROUNDS)} rounds`);

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
  ...medianRound(results.ours, results.raw),
  baselineName: RAW,
  target: ">= 0.8",
});
compare({
  name: `same, with prefetch ${String(PREFETCH)}, median round`,
  unit: "jobs/s",
  ...medianRound(results.prefetched, results.raw),
  baselineName: RAW,
  target: ">= 0.8",
});
compare({
  name: "default options vs BullMQ on Redis, median round",
  unit: "jobs/s",
  ...medianRound(results.ours, results.bull),
  baselineName: BULL,
});
compare({
  name: `prefetch ${String(PREFETCH)} vs BullMQ on Redis, median round`,
  unit: "jobs/s",
  ...medianRound(results.prefetched, results.bull),
  baselineName: BULL,
});
