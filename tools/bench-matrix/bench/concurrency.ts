/**
 * Throughput of @x/worker at concurrency 1, 16 and 64 on the memory, file, beanstalk and NATS
 * queues (one server, and a three-node cluster with three replicas), raw @nats-io/jetstream doing
 * the same work with the same semantics (confirmed publishes to fill, a durable pull consumer, at
 * most `concurrency` jobs in hand, each acknowledged with a confirmed ack), and BullMQ on Redis
 * (127.0.0.1:6379) at the same concurrency, in one run, as one table.
 *
 * Each cell: rounds of "fill the queue with N no-op jobs (not timed), start a worker with that
 * concurrency, time until all N are done" (wall clock: concurrency is about waiting in parallel);
 * the median round is shown. Rounds are interleaved: for each concurrency, every backend runs
 * one warm-up round, then round 1 of every backend, round 2 of every backend, and so on, so the
 * machine's load moves all rows alike. Next to the rate, the CPU per job of the drain: this
 * process plus the server processes of the backend (`/proc/<pid>/stat`; Redis's pid from INFO).
 *
 * BullMQ gets ioredis clients made here: its ESM build cannot load ioredis by itself.
 * `@x/queue-beanstalk`, `bullmq` and `ioredis` are loaded only if this package can resolve them;
 * a cell whose package is missing says so instead of a figure. `BENCH_ROUNDS` (default 5) and
 * `BENCH_SCALE` (default 1: multiplies every job count) scale it; `BENCH_CONCURRENCY` (a comma list,
 * default `1,16,64`) and `BENCH_ONLY` (comma list of row-name prefixes, default all) narrow it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { compare, machine, processCpuMicros } from "@x/bench";
import { createMemoryQueue, enqueueMany, type MessageInit, type QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { createNatsQueue } from "@x/queue-nats";
import { startBeanstalkd, startNatsCluster, startNatsServer } from "@x/test-servers";
import { createWorker } from "@x/worker";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? "1,16,64").split(",").map(Number);
const ONLY = process.env.BENCH_ONLY?.split(",").filter((prefix) => prefix !== "");
const REDIS = { host: "127.0.0.1", port: 6379 };
/** Specifiers in variables: the packages are optional, and the type checker must not need them. */
const BEANSTALK_PACKAGE = "@x/queue-beanstalk";
const BULLMQ_PACKAGE = "bullmq";
const IOREDIS_PACKAGE = "ioredis";

/** The part of ioredis used here. */
interface RedisModule {
  default: new (
    options: typeof REDIS & { maxRetriesPerRequest: null },
  ) => {
    quit(): Promise<unknown>;
    info(section: string): Promise<string>;
  };
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

/** The part of the raw NATS client used here. */
interface NatsMsg {
  string(): string;
  ackAck(): Promise<boolean>;
}
interface NatsModules {
  transport: {
    connect(options: { servers: string[]; noAsyncTraces: boolean }): Promise<{ close(): Promise<void> }>;
  };
  jetstream: {
    jetstream(nc: unknown): {
      publish(subject: string, data: string, options: { msgID: string }): Promise<unknown>;
      consumers: {
        get(
          stream: string,
          name: string,
        ): Promise<{
          consume(options: { max_messages: number }): Promise<AsyncIterable<NatsMsg> & { stop(): void }>;
        }>;
      };
    };
    jetstreamManager(nc: unknown): Promise<{
      streams: {
        add(config: Record<string, unknown>): Promise<unknown>;
        delete(name: string): Promise<unknown>;
      };
      consumers: { add(stream: string, config: Record<string, unknown>): Promise<unknown> };
    }>;
  };
}

/** One backend: how to get a fresh queue and what to call it. */
interface Backend {
  readonly name: string;
  readonly jobs: number;
  /** The server processes whose CPU counts with the client's (empty for in-process queues). */
  readonly serverPids: () => Promise<readonly number[]>;
  /** One round at `concurrency`: jobs per second of the drain and the CPU it took, or why it cannot run. */
  round(concurrency: number): Promise<Measured>;
  close(): Promise<void>;
}

interface Measured {
  readonly rate: number;
  /** Client plus servers, microseconds. */
  readonly cpuMicros: number;
  /** This process alone, microseconds. */
  readonly clientCpuMicros: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Times `drain` (wall clock) and the CPU of this process and the servers while it runs. */
async function timed(pids: readonly number[], jobs: number, drain: () => Promise<void>): Promise<Measured> {
  const client = (): number => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const servers = (): number => pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
  const clientAtStart = client();
  const serversAtStart = servers();
  const started = performance.now();
  await drain();
  const ms = performance.now() - started;
  const clientCpuMicros = client() - clientAtStart;
  return { rate: (jobs * 1000) / ms, cpuMicros: clientCpuMicros + servers() - serversAtStart, clientCpuMicros };
}

async function fill(queue: QueueAdapter, jobs: number): Promise<void> {
  const batch: MessageInit[] = [];
  for (let i = 0; i < jobs; i++) batch.push({ requestType: "noop", payload: { n: i } });
  for (let start = 0; start < jobs; start += 1_000) {
    for (const result of await enqueueMany(queue, batch.slice(start, start + 1_000))) if (!result.ok) throw result.error;
  }
}

/** Fills `queue`, then times a worker at `concurrency` draining it. */
async function workerRound(queue: QueueAdapter, jobs: number, concurrency: number, pids: readonly number[]): Promise<Measured> {
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
  let running: Promise<unknown> = Promise.resolve();
  const measured = await timed(pids, jobs, async () => {
    running = worker.run();
    await finished;
  });
  await worker.close();
  await running;
  return measured;
}

function queueBackend(
  name: string,
  jobs: number,
  open: () => Promise<QueueAdapter>,
  serverPids: () => Promise<readonly number[]> = () => Promise.resolve([]),
  cleanUp: () => Promise<void> = () => Promise.resolve(),
): Backend {
  let queue: QueueAdapter | undefined;
  return {
    name,
    jobs,
    serverPids,
    async round(concurrency) {
      queue ??= await open();
      return workerRound(queue, jobs, concurrency, await serverPids());
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

/**
 * The raw NATS client, the very copy @x/queue-nats runs on (resolved through that package, so the
 * two rows cannot differ by client version).
 */
function natsModules(): NatsModules {
  const adapterRequire = createRequire(fileURLToPath(import.meta.resolve("@x/queue-nats/package.json")));
  return {
    transport: adapterRequire("@nats-io/transport-node") as NatsModules["transport"],
    jetstream: adapterRequire("@nats-io/jetstream") as NatsModules["jetstream"],
  };
}

/**
 * Raw JetStream as a careful hand-written worker would use it: a work-queue stream (file storage),
 * one durable pull consumer, `consume()` with a buffer of `concurrency`, at most `concurrency`
 * jobs in hand, each acknowledged with a confirmed ack (`ackAck`). The connection sets
 * `noAsyncTraces`, as the adapter's does.
 */
function rawNatsBackend(
  name: string,
  nats: NatsModules,
  servers: readonly string[],
  replicas: number,
  jobs: number,
  pids: () => Promise<readonly number[]>,
): Backend {
  let rounds = 0;
  return {
    name,
    jobs,
    serverPids: pids,
    async round(concurrency) {
      const nc = await nats.transport.connect({ servers: [...servers], noAsyncTraces: true });
      const jsm = await nats.jetstream.jetstreamManager(nc);
      const js = nats.jetstream.jetstream(nc);
      const stream = `RAW_${String(process.pid)}_${String(++rounds)}`;
      const subject = `raw.${stream}`;
      await untilAnswered(() =>
        jsm.streams.add({ name: stream, subjects: [subject], retention: "workqueue", storage: "file", num_replicas: replicas }),
      );
      await jsm.consumers.add(stream, { durable_name: "work", ack_policy: "explicit", ack_wait: 60_000_000_000, max_ack_pending: -1 });
      for (let start = 0; start < jobs; start += 1_000) {
        const publishes: Promise<unknown>[] = [];
        for (let i = start; i < Math.min(jobs, start + 1_000); i++) {
          const body = JSON.stringify({
            id: String(i),
            header: { request_type: "noop", priority: 65_536, attempts: 0 },
            body: { payload: { n: i } },
          });
          publishes.push(js.publish(subject, body, { msgID: `${stream}-${String(i)}` }));
        }
        await Promise.all(publishes);
      }
      const consumer = await js.consumers.get(stream, "work");
      const measured = await timed(await pids(), jobs, async () => {
        const messages = await consumer.consume({ max_messages: concurrency });
        let processed = 0;
        let inHand = 0;
        let freeSlot: (() => void) | undefined;
        for await (const msg of messages) {
          inHand++;
          JSON.parse(msg.string());
          void msg.ackAck().then(() => {
            inHand--;
            processed++;
            freeSlot?.();
            if (processed === jobs) messages.stop();
          });
          if (inHand >= concurrency) await new Promise<void>((resolve) => (freeSlot = resolve));
        }
      });
      await jsm.streams.delete(stream);
      await nc.close();
      return measured;
    },
    close: async () => undefined,
  };
}

/** Retries a first JetStream call until the cluster has elected its meta leader. */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function bullBackend(bull: BullModule, redis: RedisModule, jobs: number): Backend {
  let rounds = 0;
  const connect = () => new redis.default({ ...REDIS, maxRetriesPerRequest: null });
  let redisPid: number | undefined;
  const serverPids = async (): Promise<readonly number[]> => {
    if (redisPid === undefined) {
      const client = connect();
      const info = await client.info("server");
      await client.quit();
      redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    }
    return Number.isInteger(redisPid) ? [redisPid] : [];
  };
  return {
    name: "BullMQ (Redis)",
    jobs,
    serverPids,
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
      const measured = await timed(await serverPids(), jobs, async () => {
        void worker.run();
        await finished;
      });
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await queueConnection.quit();
      await workerConnection.quit();
      return measured;
    },
    close: async () => undefined,
  };
}

const format = (rate: number | string): string => (typeof rate === "string" ? rate : Math.round(rate).toLocaleString("en-US"));
const loads = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

console.log(machine());
console.log(`load average at start: ${loads()}`);

await using beanstalkd = await startBeanstalkd();
const dir = await mkdtemp(join(tmpdir(), "x-worker-bench-"));
let tubes = 0;
const backends: (Backend | { readonly name: string; readonly missing: string })[] = [
  queueBackend("memory", 20_000 * SCALE, () => Promise.resolve(createMemoryQueue())),
  queueBackend(
    "file (fsync off)",
    2_000 * SCALE,
    () => Promise.resolve(createFileQueue({ dir, fsync: false })),
    undefined,
    () => rm(dir, { recursive: true, force: true }),
  ),
];
const beanstalk = await optional<BeanstalkModule>(BEANSTALK_PACKAGE);
backends.push(
  typeof beanstalk === "string"
    ? { name: "beanstalk", missing: beanstalk }
    : queueBackend(
        "beanstalk",
        5_000 * SCALE,
        () =>
          Promise.resolve(
            beanstalk.createBeanstalkQueue({ host: beanstalkd.host, port: beanstalkd.port, tube: `bench-${String(++tubes)}` }),
          ),
        () => Promise.resolve([beanstalkd.pid]),
      ),
);
await using natsServer = await startNatsServer();
await using natsCluster = await startNatsCluster(3);
const natsPids = () => Promise.resolve([natsServer.pid]);
const clusterPids = () => Promise.resolve(natsCluster.nodes.map((node) => node.pid));
let natsQueues = 0;
const nats = natsModules();
backends.push(
  queueBackend(
    "nats, one server",
    3_000 * SCALE,
    () => Promise.resolve(createNatsQueue({ servers: natsServer.url, queue: `bench${String(++natsQueues)}` })),
    natsPids,
  ),
  rawNatsBackend("raw jetstream, one server", nats, [natsServer.url], 1, 3_000 * SCALE, natsPids),
  queueBackend(
    "nats, 3 nodes R3",
    3_000 * SCALE,
    () => Promise.resolve(createNatsQueue({ servers: [...natsCluster.urls], queue: `bench${String(++natsQueues)}`, replicas: 3 })),
    clusterPids,
  ),
  rawNatsBackend("raw jetstream, 3 nodes R3", nats, natsCluster.urls, 3, 3_000 * SCALE, clusterPids),
);
const bull = await optional<BullModule>(BULLMQ_PACKAGE);
const redis = await optional<RedisModule>(IOREDIS_PACKAGE);
if (typeof bull === "string" || typeof redis === "string") {
  backends.push({ name: "BullMQ (Redis)", missing: [bull, redis].filter((m) => typeof m === "string").join(", ") });
} else backends.push(bullBackend(bull, redis, 5_000 * SCALE));

const chosen = backends.filter((backend) => ONLY === undefined || ONLY.some((prefix) => backend.name.startsWith(prefix)));
const label = (backend: { name: string; jobs?: number }): string =>
  backend.jobs === undefined ? backend.name : `${backend.name} (${backend.jobs.toLocaleString("en-US")} jobs)`;
const table = new Map<string, (number | string)[]>();
const cpuTable = new Map<string, (number | string)[]>();
const notes: string[] = [];
for (const backend of chosen) {
  table.set(label(backend), []);
  cpuTable.set(label(backend), []);
  if ("missing" in backend) notes.push(`${backend.name}: ${backend.missing}; add it to this package's devDependencies`);
}
for (const concurrency of CONCURRENCIES) {
  const running = chosen.filter((backend): backend is Backend => !("missing" in backend));
  // One warm-up round each (cold JIT, first connections), then the counted rounds, interleaved.
  for (const backend of running) await backend.round(concurrency);
  const measured = new Map<Backend, Measured[]>(running.map((backend) => [backend, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const backend of running) measured.get(backend)?.push(await backend.round(concurrency));
    console.log(`concurrency ${String(concurrency)}, round ${String(round + 1)} done, load ${loads()}`);
  }
  for (const backend of chosen) {
    if ("missing" in backend) {
      table.get(label(backend))?.push("n/a");
      cpuTable.get(label(backend))?.push("n/a");
      continue;
    }
    const rounds = measured.get(backend) ?? [];
    table.get(label(backend))?.push(median(rounds.map((m) => m.rate)));
    cpuTable.get(label(backend))?.push(median(rounds.map((m) => m.cpuMicros / backend.jobs)));
    console.log(
      `${backend.name}, concurrency ${String(concurrency)}: ${rounds.map((m) => format(m.rate)).join(" ")} jobs/s; ` +
        `CPU per job ${rounds.map((m) => (m.cpuMicros / backend.jobs).toFixed(0)).join(" ")} µs ` +
        `(this process ${rounds.map((m) => (m.clientCpuMicros / backend.jobs).toFixed(0)).join(" ")} µs)`,
    );
  }
}
for (const backend of chosen) if (!("missing" in backend)) await backend.close();

const printTable = (title: string, rows: Map<string, (number | string)[]>): void => {
  console.log(`\n${title}`);
  const width = Math.max(...[...rows.keys()].map((k) => k.length));
  console.log(`${"".padEnd(width)}  ${CONCURRENCIES.map((c) => `concurrency ${String(c)}`.padStart(16)).join("  ")}`);
  for (const [name, row] of rows) console.log(`${name.padEnd(width)}  ${row.map((r) => format(r).padStart(16)).join("  ")}`);
};
printTable(`no-op jobs per second, wall clock, median of ${String(ROUNDS)} interleaved rounds`, table);
printTable("CPU per job of the drain, client + servers, µs (median; lower is better)", cpuTable);
for (const note of notes) console.log(`n/a: ${note}`);
console.log(`load average at end: ${loads()}`);

const rowOf = (prefix: string): (number | string)[] | undefined => [...table].find(([name]) => name.startsWith(prefix))?.[1];
const pairs: [string, string][] = [
  ["beanstalk", "BullMQ"],
  ["nats, one server", "BullMQ"],
  ["nats, 3 nodes R3", "BullMQ"],
  ["raw jetstream, one server", "BullMQ"],
  ["raw jetstream, 3 nodes R3", "BullMQ"],
  ["nats, one server", "raw jetstream, one server"],
  ["nats, 3 nodes R3", "raw jetstream, 3 nodes R3"],
];
for (const [queue, baseline] of pairs) {
  const ours = rowOf(queue);
  const theirs = rowOf(baseline);
  CONCURRENCIES.forEach((concurrency, i) => {
    const a = ours?.[i];
    const b = theirs?.[i];
    if (typeof a === "number" && typeof b === "number") {
      compare({
        name: `worker on ${queue} vs ${baseline}, concurrency ${String(concurrency)}`,
        unit: "jobs/s",
        ours: a,
        baseline: b,
        baselineName: baseline,
      });
    }
  });
}
