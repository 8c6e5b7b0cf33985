/**
 * Worker processes for the multi-process tests (processes.test.ts, faults/): each runs
 * fixtures/worker-process.ts on a file queue and appends `<event> <pid> <id> <attempt>` lines to a
 * shared log as its handlers run.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type ChildProcess, spawnTs } from "@x/test-servers";
import type { WorkerRunResult } from "../src/index.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/worker-process.ts", import.meta.url));

/** What fixtures/worker-process.ts takes (see there). */
export interface WorkerProcessConfig {
  readonly dir: string;
  readonly log: string;
  readonly ttrMs?: number;
  readonly slowMs?: number;
  readonly shutdownAfterEmptyIterations?: number;
  readonly shutdownTimeoutMs?: number;
  readonly concurrency?: number;
}

/** A running worker process and what it printed so far. */
export interface WorkerChild {
  readonly process: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The `result` line it printed when its worker stopped. */
  result(): WorkerRunResult | undefined;
}

export function spawnWorkerProcess(config: WorkerProcessConfig): WorkerChild {
  const proc = spawnTs(FIXTURE, [JSON.stringify(config)]);
  const child: WorkerChild = {
    process: proc,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => {
      proc.once("exit", (code, signal) => {
        resolve({ code, signal });
      });
    }),
    result: () => {
      const line = child.stdout.split("\n").find((l) => l.startsWith("result "));
      return line === undefined ? undefined : (JSON.parse(line.slice("result ".length)) as WorkerRunResult);
    },
  };
  proc.stdout?.on("data", (chunk: Buffer) => (child.stdout += chunk.toString()));
  proc.stderr?.on("data", (chunk: Buffer) => (child.stderr += chunk.toString()));
  return child;
}

/** The handlers' log as `[event, pid, id, attempt]` rows. */
export async function readHandlerLog(log: string): Promise<string[][]> {
  return (await readFile(log, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" "));
}
