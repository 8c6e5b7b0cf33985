import { fileURLToPath } from "node:url";
import { type ChildProcess, spawnTs } from "@x/test-servers";

/** A child process running a fixture, with its stdout collected line by line. */
export interface Fixture {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the exit code (or signal) once the process is gone and its output read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
  /** Resolves when a line matching the predicate has been printed. */
  waitFor(predicate: (line: string) => boolean): Promise<void>;
}

export function startFixture(name: string, args: readonly string[]): Fixture {
  const child = spawnTs(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), args);
  const lines: string[] = [];
  const watchers: { predicate: (line: string) => boolean; resolve: () => void }[] = [];
  let partial = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const watcher of [...watchers]) {
        if (watcher.predicate(line)) {
          watchers.splice(watchers.indexOf(watcher), 1);
          watcher.resolve();
        }
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(predicate) {
      if (lines.some(predicate)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        watchers.push({ predicate, resolve });
        void exited.then(({ code, signal }) => {
          reject(new Error(`fixture ${name} exited (${String(code ?? signal)}) before the line came:\n${stderr}`));
        });
      });
    },
  };
}
