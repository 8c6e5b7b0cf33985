/**
 * End to end: enqueue N jobs and process them all with a no-op handler at concurrency 16, on one
 * nats-server with JetStream (file storage), and on a three-node cluster with three replicas.
 *
 * - ours: `createNatsQueue` + `createWorker` from @x/worker, every enqueue in flight at once;
 * - baseline: raw @nats-io/jetstream doing the same work with the same semantics: every publish
 *   confirmed (PubAck), a work-queue stream, one durable pull consumer, at most 16 jobs in hand,
 *   each acknowledged with a confirmed ack (`ackAck`).
 *
 * One warm-up round of each (not counted), then rounds that alternate between them; the round
 * with the median ratio is reported. `BENCH_JOBS` (default 10,000: with fewer, the start, while the
 * stream's leader is busy storing the burst, weighs more than the steady rate) and `BENCH_ROUNDS`
 * (default 7: on the cluster, each round's stream gets its leaders afresh, so single rounds vary)
 * scale it; `BENCH_CLUSTER=0` runs the single server only (for profiling). Next to the rates: the
 * client's CPU per job on one server, and client plus servers on the cluster, where the four
 * processes share the machine's cores.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { compare, machine, processCpuMicros } from "@x/bench";
import { startNatsCluster, startNatsServer } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { createNatsQueue } from "../src/index.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONCURRENCY = 16;
const WITH_CLUSTER = process.env.BENCH_CLUSTER !== "0";
/** Long enough for the worker's first reserve to find the queue empty and wait (subscribed for wake-ups). */
const WORKER_SETTLE_MS = 100;

await using server = await startNatsServer();
await using cluster = WITH_CLUSTER ? await startNatsCluster(3) : undefined;

/** Where a run goes: one server (one replica) or the cluster (three). */
interface Target {
  readonly servers: string[];
  readonly replicas: number;
  /** The nats-server processes, whose CPU counts with the client's. */
  readonly pids: number[];
}
const single: Target = { servers: [server.url], replicas: 1, pids: [server.pid] };
const replicated: Target = { servers: [...(cluster?.urls ?? [])], replicas: 3, pids: (cluster?.nodes ?? []).map((node) => node.pid) };

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
let counter = 0;
const nextName = (): string => `bench-${String(process.pid)}-${String(++counter)}`;

/** Client CPU (user + system) per job of each run, in microseconds: this process only, not the servers'. */
const cpuPerJob = { raw: [] as number[], ours: [] as number[] };
/** CPU per job of the client and the three servers together, on the cluster: what 2 cores share there. */
const clusterCpuPerJob = { raw: [] as number[], ours: [] as number[] };
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const totalCpuMicros = (target: Target): number => cpuMicros() + target.pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);

/** Raw JetStream: what a careful hand-written client does, with no adapter or worker around it. */
async function rawJetStream(target: Target): Promise<number> {
  const nc = await connect({ servers: target.servers });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `RAW_${nextName().replaceAll("-", "_")}`;
  const subject = `raw.${stream}`;
  await untilAnswered(() =>
    jsm.streams.add({
      name: stream,
      subjects: [subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: target.replicas,
    }),
  );
  await jsm.consumers.add(stream, { durable_name: "work", ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000, max_ack_pending: -1 });
  const consumer = await js.consumers.get(stream, "work");
  const started = performance.now();
  const cpuAtStart = cpuMicros();
  const totalAtStart = totalCpuMicros(target);
  const messages = await consumer.consume({ max_messages: CONCURRENCY });
  let processed = 0;
  let inHand = 0;
  let freeSlot: (() => void) | undefined;
  const finished = (async () => {
    for await (const msg of messages) {
      inHand++;
      JSON.parse(msg.string());
      void msg.ackAck().then(() => {
        inHand--;
        processed++;
        freeSlot?.();
        if (processed === JOBS) messages.stop();
      });
      if (inHand >= CONCURRENCY) await new Promise<void>((resolve) => (freeSlot = resolve));
    }
  })();
  const publishes: Promise<unknown>[] = [];
  for (let i = 0; i < JOBS; i++) {
    const body = JSON.stringify({ id: String(i), header: { request_type: "noop", priority: 65_536, attempts: 0 }, body: { payload: i } });
    publishes.push(js.publish(subject, body, { msgID: `${stream}-${String(i)}` }));
  }
  await Promise.all(publishes);
  await finished;
  const ms = performance.now() - started;
  if (target === single) cpuPerJob.raw.push((cpuMicros() - cpuAtStart) / JOBS);
  else clusterCpuPerJob.raw.push((totalCpuMicros(target) - totalAtStart) / JOBS);
  await jsm.streams.delete(stream);
  await nc.close();
  return (JOBS * 1000) / ms;
}

/** Ours: the adapter under @x/worker, jobs enqueued through the adapter. */
async function oursWithWorker(target: Target): Promise<number> {
  const queue = createNatsQueue({ servers: target.servers, queue: nextName(), replicas: target.replicas });
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
  // Connect and create the stream and the consumer first, and let the worker settle into waiting
  // for jobs, as the raw run's pull request waits at the server before its clock starts.
  await untilAnswered(() => queue.reserve({ timeoutMs: 0 }));
  const running = worker.run();
  await sleep(WORKER_SETTLE_MS);
  const started = performance.now();
  const cpuAtStart = cpuMicros();
  const totalAtStart = totalCpuMicros(target);
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < JOBS; i++) puts.push(queue.enqueue({ requestType: "noop", payload: i }));
  await Promise.all(puts);
  await finished;
  const ms = performance.now() - started;
  if (target === single) cpuPerJob.ours.push((cpuMicros() - cpuAtStart) / JOBS);
  else clusterCpuPerJob.ours.push((totalCpuMicros(target) - totalAtStart) / JOBS);
  await worker.close();
  await running;
  await queue.close();
  return (JOBS * 1000) / ms;
}

const raw: number[] = [];
const ours: number[] = [];
const rawCluster: number[] = [];
const oursCluster: number[] = [];
const fmt = (n: number | undefined): string => Math.round(n ?? 0).toLocaleString("en-US");
for (let round = 0; round <= ROUNDS; round++) {
  const rates = [
    await rawJetStream(single),
    await oursWithWorker(single),
    WITH_CLUSTER ? await rawJetStream(replicated) : Number.NaN,
    WITH_CLUSTER ? await oursWithWorker(replicated) : Number.NaN,
  ];
  if (round === 0) continue; // warms the JIT up for every side
  raw.push(rates[0] ?? Number.NaN);
  ours.push(rates[1] ?? Number.NaN);
  rawCluster.push(rates[2] ?? Number.NaN);
  oursCluster.push(rates[3] ?? Number.NaN);
  console.log(
    `round ${String(round)}: one server: raw jetstream ${fmt(rates[0])}/s, ours ${fmt(rates[1])}/s; ` +
      `three-node R3: raw ${fmt(rates[2])}/s, ours ${fmt(rates[3])}/s`,
  );
}

console.log(machine());
console.log(`${String(JOBS)} jobs, concurrency ${String(CONCURRENCY)}, ${String(ROUNDS)} rounds after a warm-up round`);

/** The round whose ratio is the median: its two figures were measured next to each other. */
function medianRound(o: number[], base: number[]): { ours: number; baseline: number } {
  const rounds = o.map((value, i) => ({ ours: value, baseline: base[i] ?? Number.NaN }));
  rounds.sort((a, b) => a.ours / a.baseline - b.ours / b.baseline);
  return rounds[Math.floor(rounds.length / 2)] ?? { ours: Number.NaN, baseline: Number.NaN };
}

compare({
  name: "enqueue N + process N through @x/worker, no-op handler, concurrency 16, one nats-server, median round",
  unit: "jobs/s",
  ...medianRound(ours, raw),
  baselineName: "raw @nats-io/jetstream (confirmed publish, pull consume, ackAck)",
  target: ">= 0.9",
});
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
// The warm-up round's figures are dropped, as for the rates.
const oursCpu = median(cpuPerJob.ours.slice(1));
const rawCpu = median(cpuPerJob.raw.slice(1));
console.log(
  `client CPU per job, one nats-server, median of the rounds: ours ${oursCpu.toFixed(0)} µs, raw ${rawCpu.toFixed(0)} µs, ratio ${(oursCpu / rawCpu).toFixed(2)}x (lower is better)`,
);
if (WITH_CLUSTER)
  compare({
    name: "the same on a three-node cluster, R3 streams, median round",
    unit: "jobs/s",
    ...medianRound(oursCluster, rawCluster),
    baselineName: "raw @nats-io/jetstream on the same cluster",
    target: ">= 0.9",
  });
if (WITH_CLUSTER) {
  const oursTotal = median(clusterCpuPerJob.ours.slice(1));
  const rawTotal = median(clusterCpuPerJob.raw.slice(1));
  console.log(
    `CPU per job on the cluster, client + 3 servers, median of the rounds: ours ${oursTotal.toFixed(0)} µs, raw ${rawTotal.toFixed(0)} µs, ratio ${(oursTotal / rawTotal).toFixed(2)}x (lower is better)`,
  );
}
