/**
 * Running `x-queue` as users do, for the CLI tests: a child process per command (src/cli/main.ts
 * through tsx) in a temporary working directory with no node_modules of its own.
 */
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunResult, runTs, spawnTs, tsNodeArgs } from "@x/test-servers";
import { expect } from "vitest";

export const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
export const HANDLERS = fileURLToPath(new URL("./fixtures/handlers.ts", import.meta.url));
const QUEUE_BEANSTALK = fileURLToPath(new URL("../../queue-beanstalk", import.meta.url));
const QUEUE_NATS = fileURLToPath(new URL("../../queue-nats", import.meta.url));

/**
 * pnpm's bin shims put the workspace's hidden hoisting folder (node_modules/.pnpm/node_modules,
 * which holds every workspace package) on NODE_PATH; a user's shell has no such thing.
 */
const { NODE_PATH: _pnpmNodePath, ...userEnv } = process.env;

export { userEnv };

/** Runs one command in `cwd`; `input` is its stdin. */
export const runCli = (cwd: string, args: readonly string[], input?: string): Promise<RunResult> =>
  runTs(CLI, args, { cwd, env: userEnv, ...(input === undefined ? {} : { input }) });

/** A long-running command: its output so far, and its exit code once it exits. */
export function spawnCli(cwd: string, args: readonly string[], { stdin = false }: { readonly stdin?: boolean } = {}) {
  const child = spawnTs(CLI, args, { cwd, env: userEnv, ...(stdin ? { stdio: ["pipe", "pipe", "pipe"] as const } : {}) });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, output, exited };
}

/** The shell words that start the CLI (node with tsx), for `script` and shell examples. */
export const cliCommand = (): string[] => [process.execPath, ...tsNodeArgs(), CLI];

/** Every non-empty line parsed with JSON.parse: a line that is not JSON fails the test. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        expect.fail(`not a JSON line: ${JSON.stringify(line)}`);
      }
    });
}

/** Gives `cwd` a node_modules with `@x/queue-beanstalk`, as a user's project that installed it. */
export async function installBeanstalkAdapter(cwd: string): Promise<void> {
  await mkdir(join(cwd, "node_modules", "@x"), { recursive: true });
  await symlink(QUEUE_BEANSTALK, join(cwd, "node_modules", "@x", "queue-beanstalk"));
}

/** Gives `cwd` a node_modules with `@x/queue-nats`. */
export async function installNatsAdapter(cwd: string): Promise<void> {
  await mkdir(join(cwd, "node_modules", "@x"), { recursive: true });
  await symlink(QUEUE_NATS, join(cwd, "node_modules", "@x", "queue-nats"));
}
