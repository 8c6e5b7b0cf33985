/**
 * A no-op handler through the worker vs a bare reserve/ack loop on the same adapter, in the same
 * run: what the worker's routing, bookkeeping, events, lease keeper and shutdown machinery cost.
 *
 * Both sides drain the same queue instance, round after round, as a long-lived process would: one
 * queue and one running worker per adapter. Each round parks the worker on a "gate" job (with
 * concurrency 1 it then reserves nothing), fills the queue, and either opens the gate (the worker
 * drains) or lets the bare loop drain while the worker stays parked. The order alternates.
 *
 * Rates are jobs per second of this process's CPU time (user + system), not of the wall clock:
 * the machine is shared, and other processes' load moves wall-clock figures a lot between runs
 * while CPU time counts only the work done here. Wall-clock rates are printed too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compare, machine } from "@x/bench";
import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { createWorker } from "../src/index.js";

/** Counted rounds after one warm-up round: more where a round is cheap. */
const MEMORY_ROUNDS = 11;
const FILE_ROUNDS = 7;

/** Jobs per CPU second and per wall-clock second of one drain. */
interface Rate {
  readonly cpu: number;
  readonly wall: number;
}

const collectGarbage = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function fill(queue: QueueAdapter, jobs: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs) {
        next++;
        await queue.enqueue({ requestType: "noop", payload: { n: next } });
      }
    }),
  );
}

async function timed(jobs: number, drain: () => Promise<number>): Promise<Rate> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const done = await drain();
  const wallMs = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  if (done !== jobs) throw new Error(`drained ${done} of ${jobs} jobs`);
  return { cpu: (jobs * 1e6) / (used.user + used.system), wall: (jobs * 1000) / wallMs };
}

/** A worker on `queue` that can be parked on a gate job between rounds. */
function parkableWorker(queue: QueueAdapter) {
  let done = 0;
  let target = Number.POSITIVE_INFINITY;
  let reached: () => void = () => undefined;
  let parked: () => void = () => undefined;
  let openGate: () => void = () => undefined;
  const worker = createWorker({
    queue,
    pollTimeoutMs: 50,
    handleSignals: false,
    handlers: {
      noop: () => {
        if (++done === target) reached();
      },
      gate: () =>
        new Promise<void>((resolve) => {
          openGate = resolve;
          parked();
        }),
    },
  });
  const running = worker.run();
  return {
    /** Resolves once the worker holds a gate job (and so reserves nothing else). */
    park: async (): Promise<void> => {
      const holding = new Promise<void>((resolve) => (parked = resolve));
      await queue.enqueue({ requestType: "gate", priority: 0 });
      await holding;
    },
    /** Opens the gate and resolves once `jobs` more no-op jobs are done. */
    drain: (jobs: number): Promise<number> => {
      done = 0;
      target = jobs;
      const all = new Promise<number>(
        (resolve) =>
          (reached = () => {
            resolve(done);
          }),
      );
      openGate();
      return all;
    },
    unpark: () => {
      openGate();
    },
    close: async () => {
      await worker.close();
      await running;
    },
  };
}

async function bareDrain(queue: QueueAdapter): Promise<number> {
  let done = 0;
  for (let job = await queue.reserve(); job !== null; job = await queue.reserve()) {
    await job.ack();
    done++;
  }
  return done;
}

async function run(name: string, queue: QueueAdapter, jobs: number, rounds: number): Promise<void> {
  const worker = parkableWorker(queue);
  const rates = { bare: [] as Rate[], worker: [] as Rate[] };
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? (["bare", "worker"] as const) : (["worker", "bare"] as const);
    for (const side of order) {
      await worker.park();
      await fill(queue, jobs);
      const rate =
        side === "worker" ? await timed(jobs, () => worker.drain(jobs)) : await timed(jobs, () => bareDrain(queue)).finally(worker.unpark);
      if (round >= 0) rates[side].push(rate);
    }
  }
  await worker.close();
  const wall = (list: Rate[]): string => Math.round(median(list.map((r) => r.wall))).toLocaleString("en-US");
  console.log(`${name}: wall clock (for reference): worker ${wall(rates.worker)} jobs/s, bare loop ${wall(rates.bare)} jobs/s`);
  // Each round's two sides ran back to back: their ratio shows how much the figure moves.
  const paired = rates.worker.map((w, i) => w.cpu / (rates.bare[i]?.cpu ?? Number.NaN)).sort((a, b) => a - b);
  console.log(`${name}: per-round ratios ${paired.map((r) => r.toFixed(2)).join(" ")}`);
  compare({
    name: `${name}: ${jobs.toLocaleString("en-US")} jobs a round, no-op handler, concurrency 1 (median of ${rounds})`,
    unit: "jobs/CPU-s",
    ours: median(rates.worker.map((r) => r.cpu)),
    baseline: median(rates.bare.map((r) => r.cpu)),
    baselineName: "bare reserve/ack loop",
    target: ">= 0.8",
  });
}

console.log(machine());
{
  const queue = createMemoryQueue();
  await run("memory", queue, 50_000, MEMORY_ROUNDS);
  await queue.close();
}
for (const fsync of [false, true]) {
  const dir = await mkdtemp(join(tmpdir(), "x-worker-bench-"));
  const queue = createFileQueue({ dir, fsync });
  await run(`file (fsync ${fsync ? "on" : "off"})`, queue, fsync ? 300 : 2_000, FILE_ROUNDS);
  await queue.close();
  await rm(dir, { recursive: true, force: true });
}
