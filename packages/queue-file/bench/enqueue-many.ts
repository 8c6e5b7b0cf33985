/**
 * Durable enqueue of a batch: `enqueueMany` of 10,000 jobs against the same 10,000 jobs stored by
 * one `enqueue` after another (each resolves once its job is flushed, as the batch does), in the
 * same run, alternating in rounds. Target: >= 5x. `X_BENCH_JOBS` changes the batch size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compare, machine, percentile } from "@x/bench";
import type { MessageInit } from "@x/message";
import { createFileQueue } from "../src/index.js";

const JOBS = Number(process.env.X_BENCH_JOBS ?? 10_000);
const ROUNDS = Number(process.env.X_BENCH_ROUNDS ?? 5);
const PAYLOAD = { to: "someone@example.com", subject: "hello", lines: ["a short job", "of about 150 bytes"] };

const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-bench-many-"));
let runs = 0;
const jobs = (): MessageInit[] => Array.from({ length: JOBS }, (_, n) => ({ requestType: "mail", payload: { ...PAYLOAD, n } }));

/** Jobs per second of one way of storing the batch, into a fresh queue. */
async function round(batch: boolean): Promise<number> {
  const dir = join(scratch, `run-${runs++}`);
  const queue = createFileQueue({ dir });
  await queue.stats();
  const inits = jobs();
  const started = performance.now();
  if (batch) {
    const results = await queue.enqueueMany(inits);
    if (results.some((result) => !result.ok)) throw new Error("a job of the batch failed");
  } else {
    for (const init of inits) await queue.enqueue(init);
  }
  const rate = (JOBS * 1000) / (performance.now() - started);
  if ((await queue.stats()).ready !== JOBS) throw new Error("not every job was stored");
  await queue.close();
  // Removed at the end, not here: deleting 10,000 files keeps the file system busy (its journal,
  // and discards on an SSD) well into the next round, which would then measure the clean-up.
  return rate;
}

try {
  console.log(`machine: ${machine()}`);
  const ours: number[] = [];
  const baseline: number[] = [];
  // A first round of each, unmeasured: V8 compiles both paths.
  await round(true);
  await round(false);
  for (let n = 0; n < ROUNDS; n++) {
    ours.push(await round(true));
    baseline.push(await round(false));
  }
  compare({
    name: `durable enqueue of ${JOBS.toLocaleString("en-US")} jobs`,
    unit: "jobs/s",
    ours: percentile(ours, 50),
    baseline: percentile(baseline, 50),
    baselineName: "one enqueue per job",
    target: ">= 5",
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
