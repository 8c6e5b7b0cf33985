/**
 * Throughput of @x/worker at concurrency 1, 16 and 64 on the memory, file, beanstalk and NATS
 * queues (one server, and a three-node cluster with three replicas), and BullMQ on Redis
 * (127.0.0.1:6379) at the same concurrency, in one run, as one table.
 *
 * Each cell: rounds of "fill the queue with N no-op jobs (not timed), start a worker with that
 * concurrency, time until all N are done" (wall clock: concurrency is about waiting in parallel);
 * the median round is shown. The order of the cells is fixed, so a noisy neighbour is visible as
 * a row out of line rather than hidden.
 *
 * BullMQ gets ioredis clients made here: its ESM build cannot load ioredis by itself.
 * `@x/queue-beanstalk`, `bullmq` and `ioredis` are loaded only if this package can resolve them;
 * a cell whose package is missing says so instead of a figure. `BENCH_ROUNDS` (default 5) and
 * `BENCH_SCALE` (default 1: multiplies every job count) scale it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compare, machine } from "@x/bench";
import { createMemoryQueue, enqueueMany, type MessageInit, type QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { createNatsQueue } from "@x/queue-nats";
import { startBeanstalkd, startNatsCluster, startNatsServer } from "@x/test-servers";
import { createWorker } from "@x/worker";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CONCURRENCIES = [1, 16, 64] as const;
const REDIS = { host: "127.0.0.1", port: 6379 };
/** Specifiers in variables: the packages are optional, and the type checker must not need them. */
const BEANSTALK_PACKAGE = "@x/queue-beanstalk";
const BULLMQ_PACKAGE = "bullmq";
const IOREDIS_PACKAGE = "ioredis";

/** The part of ioredis used here. */
interface RedisModule {
  default: new (options: typeof REDIS & { maxRetriesPerRequest: null }) => { quit(): Promise<unknown> };
}

/** The part of BullMQ used here. */
interface BullModule {
  Queue: new (
    name: string,
    options: { connection: unknown },
  ) => {
    waitUntilReady(): Promise<unknown>;
    addBulk(jobs: { name: string; data: unknown; opts: { removeOnComplete: boolean } }[]): Promise<unknown>;
    obliterate(options: { force: boolean }): Promise<void>;
    close(): Promise<void>;
  };
  Worker: new (
    name: string,
    processor: () => Promise<void>,
    options: { connection: unknown; concurrency: number; autorun: boolean },
  ) => {
    on(event: "completed", listener: () => void): void;
    run(): Promise<void>;
    close(): Promise<void>;
  };
}

interface BeanstalkModule {
  createBeanstalkQueue(options: { host: string; port: number; tube: string }): QueueAdapter;
}

/** One backend: how to get a fresh queue and what to call it. */
interface Backend {
  readonly name: string;
  readonly jobs: number;
  /** Jobs per second of one round at `concurrency`, or why it cannot run. */
  round(concurrency: number): Promise<number>;
  close(): Promise<void>;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function fill(queue: QueueAdapter, jobs: number): Promise<void> {
  const batch: MessageInit[] = [];
  for (let i = 0; i < jobs; i++) batch.push({ requestType: "noop", payload: { n: i } });
  for (let start = 0; start < jobs; start += 1_000) {
    for (const result of await enqueueMany(queue, batch.slice(start, start + 1_000))) if (!result.ok) throw result.error;
  }
}

/** Fills `queue`, then times a worker at `concurrency` draining it. */
async function workerRound(queue: QueueAdapter, jobs: number, concurrency: number): Promise<number> {
  await fill(queue, jobs);
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = createWorker({
    queue,
    concurrency,
    handleSignals: false,
    pollTimeoutMs: 50,
    handlers: {
      noop: () => {
        if (++done === jobs) finish();
      },
    },
  });
  const started = performance.now();
  const running = worker.run();
  await finished;
  const ms = performance.now() - started;
  await worker.close();
  await running;
  return (jobs * 1000) / ms;
}

function queueBackend(
  name: string,
  jobs: number,
  open: () => Promise<QueueAdapter>,
  cleanUp: () => Promise<void> = () => Promise.resolve(),
): Backend {
  let queue: QueueAdapter | undefined;
  return {
    name,
    jobs,
    async round(concurrency) {
      queue ??= await open();
      return workerRound(queue, jobs, concurrency);
    },
    async close() {
      await queue?.close();
      await cleanUp();
    },
  };
}

async function optional<T>(specifier: string): Promise<T | string> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    return `missing ${specifier} (${(error as { code?: string }).code ?? "import failed"})`;
  }
}

function bullBackend(bull: BullModule, redis: RedisModule, jobs: number): Backend {
  let rounds = 0;
  const connect = () => new redis.default({ ...REDIS, maxRetriesPerRequest: null });
  return {
    name: "BullMQ (Redis)",
    jobs,
    async round(concurrency) {
      const name = `x-worker-bench-${String(process.pid)}-${String(++rounds)}`;
      const queueConnection = connect();
      const workerConnection = connect();
      const queue = new bull.Queue(name, { connection: queueConnection });
      await queue.waitUntilReady();
      for (let start = 0; start < jobs; start += 1_000) {
        const batch = Array.from({ length: Math.min(1_000, jobs - start) }, (_, i) => ({
          name: "noop",
          data: { n: start + i },
          opts: { removeOnComplete: true },
        }));
        await queue.addBulk(batch);
      }
      let done = 0;
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const worker = new bull.Worker(name, async () => undefined, { connection: workerConnection, concurrency, autorun: false });
      worker.on("completed", () => {
        if (++done === jobs) finish();
      });
      const started = performance.now();
      void worker.run();
      await finished;
      const ms = performance.now() - started;
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await queueConnection.quit();
      await workerConnection.quit();
      return (jobs * 1000) / ms;
    },
    close: async () => undefined,
  };
}

const format = (rate: number | string): string => (typeof rate === "string" ? rate : Math.round(rate).toLocaleString("en-US"));

console.log(machine());
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

await using beanstalkd = await startBeanstalkd();
const dir = await mkdtemp(join(tmpdir(), "x-worker-bench-"));
let tubes = 0;
const backends: (Backend | { readonly name: string; readonly missing: string })[] = [
  queueBackend("memory", 20_000 * SCALE, () => Promise.resolve(createMemoryQueue())),
  queueBackend(
    "file (fsync off)",
    2_000 * SCALE,
    () => Promise.resolve(createFileQueue({ dir, fsync: false })),
    () => rm(dir, { recursive: true, force: true }),
  ),
];
const beanstalk = await optional<BeanstalkModule>(BEANSTALK_PACKAGE);
backends.push(
  typeof beanstalk === "string"
    ? { name: "beanstalk", missing: beanstalk }
    : queueBackend("beanstalk", 5_000 * SCALE, () =>
        Promise.resolve(beanstalk.createBeanstalkQueue({ host: beanstalkd.host, port: beanstalkd.port, tube: `bench-${String(++tubes)}` })),
      ),
);
await using natsServer = await startNatsServer();
await using natsCluster = await startNatsCluster(3);
let natsQueues = 0;
backends.push(
  queueBackend("nats, one server", 3_000 * SCALE, () =>
    Promise.resolve(createNatsQueue({ servers: natsServer.url, queue: `bench${String(++natsQueues)}` })),
  ),
  queueBackend("nats, 3 nodes R3", 3_000 * SCALE, () =>
    Promise.resolve(createNatsQueue({ servers: [...natsCluster.urls], queue: `bench${String(++natsQueues)}`, replicas: 3 })),
  ),
);
const bull = await optional<BullModule>(BULLMQ_PACKAGE);
const redis = await optional<RedisModule>(IOREDIS_PACKAGE);
if (typeof bull === "string" || typeof redis === "string") {
  backends.push({ name: "BullMQ (Redis)", missing: [bull, redis].filter((m) => typeof m === "string").join(", ") });
} else backends.push(bullBackend(bull, redis, 5_000 * SCALE));

const table = new Map<string, (number | string)[]>();
const notes: string[] = [];
for (const backend of backends) {
  if ("missing" in backend) {
    table.set(
      backend.name,
      CONCURRENCIES.map(() => "n/a"),
    );
    notes.push(`${backend.name}: ${backend.missing}; add it to this package's devDependencies`);
    continue;
  }
  const row: number[] = [];
  for (const concurrency of CONCURRENCIES) {
    // One warm-up round (cold JIT, first connections), then the counted ones.
    await backend.round(concurrency);
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) rates.push(await backend.round(concurrency));
    row.push(median(rates));
    console.log(`${backend.name}, concurrency ${String(concurrency)}: ${rates.map((r) => format(r)).join(" ")} jobs/s`);
  }
  await backend.close();
  table.set(`${backend.name} (${backend.jobs.toLocaleString("en-US")} jobs)`, row);
}

console.log(`\nno-op jobs per second, wall clock, median of ${String(ROUNDS)} rounds`);
const width = Math.max(...[...table.keys()].map((k) => k.length));
console.log(`${"".padEnd(width)}  ${CONCURRENCIES.map((c) => `concurrency ${String(c)}`.padStart(16)).join("  ")}`);
for (const [name, row] of table) console.log(`${name.padEnd(width)}  ${row.map((r) => format(r).padStart(16)).join("  ")}`);
for (const note of notes) console.log(`n/a: ${note}`);
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

const rowOf = (prefix: string): (number | string)[] | undefined => [...table].find(([name]) => name.startsWith(prefix))?.[1];
const theirs = rowOf("BullMQ");
for (const queue of ["beanstalk", "nats, one server", "nats, 3 nodes R3"]) {
  const ours = rowOf(queue);
  CONCURRENCIES.forEach((concurrency, i) => {
    const a = ours?.[i];
    const b = theirs?.[i];
    if (typeof a === "number" && typeof b === "number") {
      compare({
        name: `worker on ${queue} vs BullMQ, concurrency ${String(concurrency)}`,
        unit: "jobs/s",
        ours: a,
        baseline: b,
        baselineName: "BullMQ",
      });
    }
  });
}
