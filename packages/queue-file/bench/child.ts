/**
 * A child process of the 4-process throughput run:
 *   child.ts <bare|bare+dirsync|queue> <dir> <durationMs> <goFile>
 * Warms up, prints `ready`, waits for the go file, runs jobs for the duration, prints `count <n>`.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createFileQueue } from "../src/index.js";
import { bareJob, queueJob } from "./durable-job.js";

/**
 * Long enough for the steady state of both sides: with 4 processes on 2 cores each gets half a
 * core, and the rate of the queue and of the bare sequence alike still climbs for about 4 s
 * (V8 was still optimizing the queue's functions after 3 s; `--trace-opt` shows it).
 */
const WARMUP_MS = 5_000;
const [mode = "queue", dir = "", durationMs = "3000", goFile = ""] = process.argv.slice(2);
const queue = mode === "queue" ? createFileQueue({ dir }) : undefined;
await queue?.stats();
const job = queue ? queueJob(queue) : bareJob(dir, mode === "bare+dirsync" ? "bare+dirsync" : "bare");
// Warm-up, as the single-process run has: a worker is a long-lived process, so what is measured
// is its steady state, not V8 compiling the code. It also builds the index of ready/.
const warmUntil = performance.now() + WARMUP_MS;
do await job();
while (performance.now() < warmUntil);
process.stdout.write("ready\n");
while (!existsSync(goFile)) await sleep(2);
const end = performance.now() + Number(durationMs);
let count = 0;
while (performance.now() < end) {
  await job();
  count++;
}
process.stdout.write(`count ${count}\n`);
await queue?.close();
