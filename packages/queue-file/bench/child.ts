/**
 * A child process of the 4-process throughput run:
 *   child.ts <bare|bare+dirsync|queue> <dir> <durationMs> <goFile>
 * Prints `ready`, waits for the go file, runs jobs for the duration, prints `count <n>`.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createFileQueue } from "../src/index.js";
import { bareJob, queueJob } from "./durable-job.js";

const [mode = "queue", dir = "", durationMs = "3000", goFile = ""] = process.argv.slice(2);
const queue = mode === "queue" ? createFileQueue({ dir }) : undefined;
await queue?.stats();
const job = queue ? queueJob(queue) : bareJob(dir, mode === "bare+dirsync" ? "bare+dirsync" : "bare");
await job(); // warm-up, and builds the index of ready/
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
