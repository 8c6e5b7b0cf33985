import { setTimeout as sleep } from "node:timers/promises";
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

/** What {@link killWorkersUntilEmpty} did: every worker it started, and how many it killed. */
export interface KillRun {
  readonly everyone: readonly Fixture[];
  readonly kills: number;
}

/**
 * Keeps three worker processes on `dir` (lease 1 s, up to 5 ms of work a job) and SIGKILLs one
 * that is processing every 50-250 ms (`random` picks when and whom, so a seeded run replays),
 * at most `killsWanted` times, restarting workers until the queue is empty. The crash test and
 * the fault suite's kill -9 scenario both run it.
 */
export async function killWorkersUntilEmpty(
  dir: string,
  queue: { stats(): Promise<{ ready: number; delayed: number; reserved: number; buried: number }> },
  killsWanted: number,
  random: () => number,
): Promise<KillRun> {
  const everyone: Fixture[] = [];
  const live = new Set<Fixture>();
  const spawn = (): void => {
    // A short lease (1 s), so the jobs the killed workers held come back soon.
    const worker = startFixture("worker", [dir, "1000", "1500", "5"]);
    everyone.push(worker);
    live.add(worker);
    void worker.exited.then(() => live.delete(worker));
  };
  for (let i = 0; i < 3; i++) spawn();
  let kills = 0;
  for (;;) {
    await sleep(50 + Math.floor(random() * 200));
    // Only workers that are processing: a kill during start-up tests nothing.
    const working = [...live].filter((worker) => worker.lines.some((line) => line.startsWith("acking ")));
    if (kills < killsWanted && working.length > 0) {
      const victim = working[Math.floor(random() * working.length)];
      victim?.child.kill("SIGKILL");
      if (victim) live.delete(victim);
      kills++;
    }
    const stats = await queue.stats();
    if (stats.ready + stats.delayed + stats.reserved + stats.buried === 0) break;
    // Restarted until the queue is empty.
    while (live.size < 3) spawn();
  }
  for (const worker of live) worker.child.kill("SIGKILL");
  await Promise.all(everyone.map((worker) => worker.exited));
  return { everyone, kills };
}
