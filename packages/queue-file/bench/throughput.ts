/**
 * Durable enqueue -> reserve -> ack, in jobs per second, with 1 process and with 4 processes
 * sharing one directory, against the bare file-system operations one durable job needs
 * (write + fsync + rename + unlink) in the same run. Target: >= 0.5x.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, machine, measureRate, percentile } from "@x/bench";
import { spawnTs } from "@x/test-servers";
import { createFileQueue } from "../src/index.js";
import { bareJob, queueJob } from "./durable-job.js";

/** Ours and the baseline alternate in short rounds, so a load swing on the machine hits both alike. */
const ROUNDS = 5;
const ROUND_MS = 700;
const PROCESS_ROUNDS = 3;
const PROCESS_ROUND_MS = 2_000;
const PROCESSES = 4;
const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-bench-"));
let runs = 0;
const freshDir = (): string => join(scratch, `run-${runs++}`);

const median = (values: readonly number[]): number => percentile(values, 50);

async function inOneProcess(): Promise<{ bare: number; ours: number }> {
  const queue = createFileQueue({ dir: freshDir() });
  const jobs = { bare: bareJob(freshDir()), ours: queueJob(queue) };
  const rates = { bare: [] as number[], ours: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["bare", "ours"] as const) {
      rates[mode].push((await measureRate(jobs[mode], { durationMs: ROUND_MS, warmupMs: round === 0 ? 300 : 50, batch: 10 })).rate);
    }
  }
  await queue.close();
  return { bare: median(rates.bare), ours: median(rates.ours) };
}

async function inProcesses(): Promise<{ bare: number; ours: number }> {
  const rates = { bare: [] as number[], ours: [] as number[] };
  for (let round = 0; round < PROCESS_ROUNDS; round++) {
    rates.bare.push(await processRound("bare"));
    rates.ours.push(await processRound("queue"));
  }
  return { bare: median(rates.bare), ours: median(rates.ours) };
}

async function processRound(mode: "bare" | "queue"): Promise<number> {
  const dir = freshDir();
  const goFile = join(scratch, `go-${runs}`);
  const children = Array.from({ length: PROCESSES }, () => {
    const child = spawnTs(fileURLToPath(new URL("./child.ts", import.meta.url)), [mode, dir, String(PROCESS_ROUND_MS), goFile]);
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    const exited = new Promise<string>((resolve, reject) => {
      child.once("close", (code) => {
        if (code === 0) resolve(out);
        else reject(new Error(`bench child exited with ${String(code)}: ${err}`));
      });
    });
    const ready = new Promise<void>((resolve) => {
      const check = (): void => {
        if (out.includes("ready\n")) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    return { exited, ready };
  });
  await Promise.all(children.map((child) => child.ready));
  writeFileSync(goFile, "go");
  const outputs = await Promise.all(children.map((child) => child.exited));
  const total = outputs.reduce((sum, out) => sum + Number(/count (\d+)/.exec(out)?.[1] ?? Number.NaN), 0);
  return (total * 1000) / PROCESS_ROUND_MS;
}

try {
  console.log(`machine: ${machine()}`);
  console.log(`scratch directory: ${scratch}`);
  const one = await inOneProcess();
  compare({
    name: "durable enqueue->reserve->ack, 1 process",
    unit: "jobs/s",
    ours: one.ours,
    baseline: one.bare,
    baselineName: "write+fsync+rename+unlink",
    target: ">= 0.5",
  });
  const many = await inProcesses();
  compare({
    name: `durable enqueue->reserve->ack, ${PROCESSES} processes on one directory`,
    unit: "jobs/s",
    ours: many.ours,
    baseline: many.bare,
    baselineName: "write+fsync+rename+unlink",
    target: ">= 0.5",
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
