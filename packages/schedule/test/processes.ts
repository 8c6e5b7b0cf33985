import { fileURLToPath } from "node:url";
import type { QueueAdapter } from "@x/message";
import { type ChildProcess, spawnTs } from "@x/test-servers";

/** The `graceMs` of the scheduler processes. */
export const SCHEDULER_GRACE_MS = 2_000;

/** A scheduler process (fixtures/scheduler.ts) with its stdout collected line by line. */
export interface SchedulerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/**
 * Starts a scheduler process on the file queue in `dir`: one `tick` schedule every `everyMs`, for
 * `runMs`. A `graceMs` above the default keeps a tick on time through a second of CPU starvation
 * on a loaded machine, where all three processes stall together.
 */
export function startScheduler(dir: string, runMs: number, everyMs: number, graceMs = SCHEDULER_GRACE_MS): SchedulerProcess {
  const args = [dir, String(runMs), String(everyMs), String(graceMs)];
  const child = spawnTs(fileURLToPath(new URL("./fixtures/scheduler.ts", import.meta.url)), args);
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      resolve({ code, signal, stderr });
    });
  });
  return { child, lines, exited };
}

/** The numbers after `<word> ` on the lines that start with it (`ready 1700000000000`). */
export function numbersAfter(lines: readonly string[], word: string): number[] {
  return lines.filter((line) => line.startsWith(`${word} `)).map((line) => Number(line.split(" ")[1]));
}

/** Ids of the `enqueued <id> <late>` lines. */
export function enqueuedIds(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith("enqueued ")).map((line) => line.split(" ")[1] ?? "");
}

/** Resolves once a line matching `predicate` was printed; the test timeout bounds it. */
export async function waitForLine(process: SchedulerProcess, predicate: (line: string) => boolean): Promise<void> {
  while (!process.lines.some(predicate)) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The ids `sched.tick.<ms>` of the ticks every `everyMs` from `fromMs` to `toMs`, both included. */
export function tickIds(fromMs: number, toMs: number, everyMs: number): string[] {
  const ids: string[] = [];
  for (let t = Math.ceil(fromMs / everyMs) * everyMs; t <= toMs; t += everyMs) ids.push(`sched.tick.${String(t)}`);
  return ids;
}

/**
 * Which of `ids` the queue holds, in any state. Looked up one by one: listing the queue state by
 * state (ready, then delayed) misses a job whose delay ends between the two listings, and the
 * scheduled jobs here are all delayed by 2 x graceMs, so one of them falls due while the
 * queue is read shortly after the schedulers stop.
 */
export async function storedIds(queue: QueueAdapter, ids: readonly string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (const id of ids) if ((await queue.peek(id)) !== null) stored.add(id);
  return stored;
}

/**
 * The latest tick a scheduler process dealt with: enqueued, refused, failed or reported missed. A
 * scheduler deals with its ticks in order, so it has dealt with every tick up to this one; the
 * ticks after it were not due yet, or still waiting for a loop that was starved, when it closed.
 */
export function latestTickDealtWith(lines: readonly string[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    const fields = line.split(" ");
    const tick = Number(
      fields[0] === "enqueued"
        ? fields[1]?.split(".").at(-1)
        : fields[0] === "skipped"
          ? fields[2]
          : fields[0] === "error"
            ? fields[1]
            : "",
    );
    if (Number.isFinite(tick)) latest = Math.max(latest, tick);
  }
  return latest;
}
