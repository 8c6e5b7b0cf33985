import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
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

/** Spawns `node` on a TypeScript file from the workspace sources (see {@link tsNodeArgs}). */
export function spawnTs(entry: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [...tsNodeArgs(), entry, ...args], { stdio: ["ignore", "pipe", "pipe"], ...options });
}

/** Result of {@link runTs}. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript file to completion and collects its output. */
export async function runTs(
  entry: string,
  args: readonly string[] = [],
  options: SpawnOptions & { input?: string } = {},
): Promise<RunResult> {
  const { input, ...spawnOptions } = options;
  const child = spawnTs(entry, args, { ...spawnOptions, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin?.end(input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export type { ChildProcess };
