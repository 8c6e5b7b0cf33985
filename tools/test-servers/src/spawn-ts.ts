import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

/**
 * Node arguments that run a TypeScript entry point straight from the workspace sources:
 * tsx compiles on the fly and the `@x/source` export condition makes `@x/*` imports resolve
 * to `src/index.ts`, exactly as vitest does. For tests and benchmarks only.
 */
export function tsNodeArgs(): string[] {
  return ["--import", pathToFileURL(require.resolve("tsx")).href, "--conditions=@x/source"];
}

/** Children still running, killed if the test process exits first (no orphans left spinning). */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Spawns `node` on a TypeScript file from the workspace sources (see {@link tsNodeArgs}). */
export function spawnTs(entry: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [...tsNodeArgs(), entry, ...args], { stdio: ["ignore", "pipe", "pipe"], ...options });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** How long {@link runTs} lets a child run before it kills it: a hung child must not outlive its test. */
export const DEFAULT_RUN_TIMEOUT_MS = 120_000;

/** Result of {@link runTs}. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The child was killed because it ran longer than `timeoutMs`. */
  readonly timedOut: boolean;
}

/**
 * Runs a TypeScript file to completion and collects its output. A child still running after
 * `timeoutMs` (default {@link DEFAULT_RUN_TIMEOUT_MS}) is killed with SIGKILL and reported as
 * `timedOut`.
 */
export async function runTs(
  entry: string,
  args: readonly string[] = [],
  options: SpawnOptions & { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const { input, timeoutMs = DEFAULT_RUN_TIMEOUT_MS, ...spawnOptions } = options;
  const child = spawnTs(entry, args, { ...spawnOptions, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin?.end(input ?? "");
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export type { ChildProcess };
