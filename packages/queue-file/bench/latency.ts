/**
 * Reserve latency with 100 vs 100,000 ready jobs. The cost of `reserve` must not grow with the
 * queue: the 100,000-job figure is compared with the 100-job figure from the same run.
 * Target: within 2x (p50). Each sample reserves one job (timed) and releases it (not timed), so
 * the queue keeps its size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compare, machine, percentile } from "@x/bench";
import { createFileQueue, type FileQueue } from "../src/index.js";

const SAMPLES = 2_000;
const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-latency-"));

/** Fills a queue quickly: setup is not what is measured, so without fsync and 64 at a time. */
async function fill(dir: string, count: number): Promise<void> {
  const producer = createFileQueue({ dir, fsync: false });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      await producer.enqueue({ requestType: "mail", payload: { n, to: "someone@example.com" }, priority: n % 10 });
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  await producer.close();
}

async function latencies(queue: FileQueue): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const job = await queue.reserve();
    samples.push(performance.now() - started);
    if (!job) throw new Error("the queue ran dry");
    await job.release();
  }
  return samples;
}

async function measure(size: number): Promise<{ p50: number; p99: number; firstMs: number; fillMs: number }> {
  const dir = join(scratch, `q${size}`);
  let started = performance.now();
  await fill(dir, size);
  const fillMs = performance.now() - started;
  // A fresh adapter, as a worker process starting on an existing queue would be.
  const queue = createFileQueue({ dir, fsync: false });
  started = performance.now();
  const first = await queue.reserve();
  const firstMs = performance.now() - started;
  await first?.release();
  const samples = await latencies(queue);
  await queue.close();
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), firstMs, fillMs };
}

try {
  console.log(`machine: ${machine()}`);
  const small = await measure(100);
  const large = await measure(100_000);
  for (const [size, m] of [
    [100, small],
    [100_000, large],
  ] as const) {
    console.log(
      `${size.toLocaleString("en-US")} ready jobs: reserve p50 ${m.p50.toFixed(3)} ms, p99 ${m.p99.toFixed(3)} ms; ` +
        `first reserve of a new process (lists ready/ once) ${m.firstMs.toFixed(0)} ms; filled in ${(m.fillMs / 1000).toFixed(1)} s`,
    );
  }
  compare({
    name: "reserve latency, 100,000 vs 100 ready jobs",
    unit: "ms p50",
    ours: large.p50,
    baseline: small.p50,
    baselineName: "100 ready jobs",
    target: "<= 2",
  });
  compare({
    name: "reserve latency, 100,000 vs 100 ready jobs",
    unit: "ms p99",
    ours: large.p99,
    baseline: small.p99,
    baselineName: "100 ready jobs",
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
