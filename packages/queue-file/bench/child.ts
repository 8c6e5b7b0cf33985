/**
 * A child process of the 4-process throughput run:
 *   child.ts <bare|bare+dirsync|queue> <dir> <durationMs> <goFile> [concurrency]
 * Warms up, prints `ready`, waits for the go file, runs jobs for the duration with `concurrency`
 * loops at once (default 1: one job at a time), prints `count <n> cpu <microseconds>` (the
 * process's user + system CPU time over the measured window).
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
const [mode = "queue", dir = "", durationMs = "3000", goFile = "", concurrencyArg = "1"] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const queue = mode === "queue" ? createFileQueue({ dir }) : undefined;
await queue?.stats();
const job = queue ? queueJob(queue) : bareJob(dir, mode === "bare+dirsync" ? "bare+dirsync" : "bare");

/** Runs `concurrency` loops of `job` until `until` (performance.now()); resolves to the jobs done. */
async function loops(until: number): Promise<number> {
  let count = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      await job();
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return count;
}

// Warm-up, as the single-process run has: a worker is a long-lived process, so what is measured
// is its steady state, not V8 compiling the code. It also builds the index of ready/.
await loops(performance.now() + WARMUP_MS);
process.stdout.write("ready\n");
while (!existsSync(goFile)) await sleep(2);
const cpuBefore = process.cpuUsage();
const count = await loops(performance.now() + Number(durationMs));
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`count ${count} cpu ${cpu.user + cpu.system}\n`);
await queue?.close();
