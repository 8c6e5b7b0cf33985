import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The app's directory: tests run it the way `npm start` does, from its own folder. */
export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Children still running, killed if the test process exits first (no orphans left behind). */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Starts `src/main.ts` in a child `node`, compiled on the fly by tsx (a devDependency), so the
 * tests need no build step and see exactly what `npm start` runs.
 */
export function startApp(args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: APP_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

export interface AppResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the app to its end and collects its output; one still running after `timeoutMs` is killed. */
export async function runApp(args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<AppResult> {
  const child = startApp(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => {
    stderr += `\n(killed after ${timeoutMs} ms)`;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
