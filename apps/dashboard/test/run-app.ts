import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The app's directory: tests run it the way `npm start` does, from its own folder. */
export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Children still running, killed if the test process exits first (no orphans left behind). */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A running app: its output so far, and a way to wait for a line. */
export interface RunningApp {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the app exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `src/main.ts` in a child `node`, compiled on the fly by tsx (a devDependency), so the tests need no build step. */
export function startApp(args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): RunningApp {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: APP_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    output: () => `${stdout}${stderr === "" ? "" : `\n[stderr]\n${stderr}`}`,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match !== null) return match;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no ${String(pattern)} in the app's output:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
