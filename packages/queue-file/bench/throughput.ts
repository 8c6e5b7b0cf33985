/**
 * Durable enqueue -> reserve -> ack, in jobs per second, with 1 process and with 4 processes
 * sharing one directory, against the bare file-system operations one durable job needs
 * (write + fsync + rename + unlink) in the same run. Target: >= 0.5x.
 *
 * A second baseline adds the directory fsync after the rename, which the queue must do for the
 * job to survive a power cut: it shows what the queue costs on top of the durable minimum.
 *
 * Then the concurrent case: 4 processes each running `X_BENCH_CONCURRENCY` (default 16) jobs at
 * once through the queue, where concurrent enqueues share the flushes of `ready/` (group
 * commit), against the naive loop (4 processes, write + fsync + rename + unlink one job at a
 * time). Target: >= 1x. The bare sequence at the same concurrency is shown for information.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, machine, measureRate, percentile } from "@x/bench";
import { spawnTs } from "@x/test-servers";
import { createFileQueue } from "../src/index.js";
import { bareJob, queueJob } from "./durable-job.js";

/** Ours and the baselines alternate in short rounds, so a load swing on the machine hits all alike. */
const ROUNDS = 5;
const ROUND_MS = 600;
/** Before the first round of each side: a single process reaches its steady rate after about 3 s. */
const WARMUP_MS = 3_000;
const PROCESS_ROUNDS = 5;
const PROCESS_ROUND_MS = 2_000;
const PROCESSES = 4;
/** Jobs each process of the concurrent case runs at once. */
const CONCURRENCY = Number(process.env.X_BENCH_CONCURRENCY ?? 16);
const MODES = ["bare", "bare+dirsync", "queue"] as const;
type Mode = (typeof MODES)[number];
type Rates = Record<Mode, number>;
/** The 4-process runs: each mode one job at a time, and the queue and the bare sequence at `CONCURRENCY`. */
const PROCESS_RUNS = ["bare", "bare+dirsync", "queue", "queue*", "bare*"] as const;
type ProcessRun = (typeof PROCESS_RUNS)[number];
/** A 4-process figure: jobs per second, and milliseconds of CPU (user + system, all 4 processes) per job. */
interface ProcessRate {
  readonly rate: number;
  readonly cpuMsPerJob: number;
}

const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-bench-"));
let runs = 0;
const freshDir = (): string => join(scratch, `run-${runs++}`);
const median = (values: readonly number[]): number => percentile(values, 50);

async function inOneProcess(): Promise<Rates> {
  const queue = createFileQueue({ dir: freshDir() });
  const jobs: Record<Mode, () => Promise<void>> = {
    bare: bareJob(freshDir()),
    "bare+dirsync": bareJob(freshDir(), "bare+dirsync"),
    queue: queueJob(queue),
  };
  const rates: Record<Mode, number[]> = { bare: [], "bare+dirsync": [], queue: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const { rate } = await measureRate(jobs[mode], { durationMs: ROUND_MS, warmupMs: round === 0 ? WARMUP_MS : 50, batch: 10 });
      rates[mode].push(rate);
    }
  }
  await queue.close();
  return { bare: median(rates.bare), "bare+dirsync": median(rates["bare+dirsync"]), queue: median(rates.queue) };
}

/** Every 4-process run, alternating in rounds; medians per run. */
async function inProcesses(): Promise<Record<ProcessRun, ProcessRate>> {
  const rounds = Object.fromEntries(PROCESS_RUNS.map((run) => [run, [] as ProcessRate[]])) as Record<ProcessRun, ProcessRate[]>;
  for (let round = 0; round < PROCESS_ROUNDS; round++) {
    for (const run of PROCESS_RUNS) {
      const mode = run.replace("*", "") as Mode;
      rounds[run].push(await processRound(mode, run.endsWith("*") ? CONCURRENCY : 1));
    }
  }
  const medianOf = (run: ProcessRun): ProcessRate => ({
    rate: median(rounds[run].map((r) => r.rate)),
    cpuMsPerJob: median(rounds[run].map((r) => r.cpuMsPerJob)),
  });
  return Object.fromEntries(PROCESS_RUNS.map((run) => [run, medianOf(run)])) as Record<ProcessRun, ProcessRate>;
}

/** Starts the processes, lets them all begin at once, and adds up what they did. */
async function processRound(mode: Mode, concurrency: number): Promise<ProcessRate> {
  const dir = freshDir();
  const goFile = join(scratch, `go-${runs}`);
  const children = Array.from({ length: PROCESSES }, () => {
    const args = [mode, dir, String(PROCESS_ROUND_MS), goFile, String(concurrency)];
    const child = spawnTs(fileURLToPath(new URL("./child.ts", import.meta.url)), args);
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
  const cpuMicros = outputs.reduce((sum, out) => sum + Number(/cpu (\d+)/.exec(out)?.[1] ?? Number.NaN), 0);
  return { rate: (total * 1000) / PROCESS_ROUND_MS, cpuMsPerJob: cpuMicros / 1000 / total };
}

function report(label: string, rates: Rates): void {
  const name = `durable enqueue->reserve->ack, ${label}`;
  compare({ name, unit: "jobs/s", ours: rates.queue, baseline: rates.bare, baselineName: "write+fsync+rename+unlink", target: ">= 0.5" });
  compare({
    name,
    unit: "jobs/s",
    ours: rates.queue,
    baseline: rates["bare+dirsync"],
    baselineName: "write+fsync+rename+fsync(dir)+unlink",
  });
}

function reportProcesses(rates: Record<ProcessRun, ProcessRate>): void {
  const label = `${PROCESSES} processes on one directory`;
  report(label, { bare: rates.bare.rate, "bare+dirsync": rates["bare+dirsync"].rate, queue: rates.queue.rate });
  const name = `durable enqueue->reserve->ack, ${label}, ${CONCURRENCY} jobs at once per process`;
  compare({
    name,
    unit: "jobs/s",
    ours: rates["queue*"].rate,
    baseline: rates.bare.rate,
    baselineName: "naive loop (one job at a time)",
    target: ">= 1",
  });
  compare({
    name,
    unit: "jobs/s",
    ours: rates["queue*"].rate,
    baseline: rates["bare*"].rate,
    baselineName: `the same bare sequence, ${CONCURRENCY} at once`,
  });
  for (const run of PROCESS_RUNS) {
    const shown = run.endsWith("*") ? `${run.replace("*", "")}, ${CONCURRENCY} at once` : `${run}, one at a time`;
    console.log(
      `  ${shown}: ${Math.round(rates[run].rate).toLocaleString("en-US")} jobs/s, CPU ${rates[run].cpuMsPerJob.toFixed(3)} ms/job`,
    );
  }
}

try {
  console.log(`machine: ${machine()}`);
  if (process.env.X_BENCH_ONLY !== "processes") report("1 process", await inOneProcess());
  reportProcesses(await inProcesses());
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
