import { mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where a scheduler keeps the last tick it handled per schedule, and claims a tick before it
 * enqueues it. In memory by default; in a directory (`stateDir`) when ticks must be claimed
 * once across processes, or missed ticks caught up after a restart.
 */
export interface Journal {
  /** The latest tick claimed for `name`, by anyone sharing this journal. */
  last(name: string): Promise<number | undefined>;
  /** Claims tick `at` of `name`: `false` when it was claimed already. */
  claim(name: string, at: number): Promise<boolean>;
}

/** A journal of this process only: every claim succeeds (the queue's ids deduplicate). */
export function memoryJournal(): Journal {
  const lastByName = new Map<string, number>();
  return {
    last: (name) => Promise.resolve(lastByName.get(name)),
    claim: (name, at) => {
      lastByName.set(name, Math.max(at, lastByName.get(name) ?? at));
      return Promise.resolve(true);
    },
  };
}

/** Claim markers kept per schedule; older ones are removed (only the latest matters for `last`). */
export const KEPT_CLAIMS = 64;

/**
 * A journal in a directory: one empty file `<dir>/<name>/<tick ms>` per claimed tick, created
 * with `O_EXCL`, so that on one machine exactly one process wins each tick whatever the queue.
 */
export function directoryJournal(dir: string): Journal {
  const made = new Set<string>();
  const ensure = async (name: string): Promise<string> => {
    const path = join(dir, name);
    if (!made.has(name)) {
      await mkdir(path, { recursive: true });
      made.add(name);
    }
    return path;
  };
  const claimed = async (path: string): Promise<number[]> =>
    (await readdir(path))
      .filter((file) => /^\d+$/.test(file))
      .map(Number)
      .sort((a, b) => a - b);
  return {
    async last(name) {
      return (await claimed(await ensure(name))).at(-1);
    },
    async claim(name, at) {
      const path = await ensure(name);
      try {
        await (await open(join(path, String(at)), "wx")).close();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
      const all = await claimed(path);
      for (const old of all.slice(0, Math.max(0, all.length - KEPT_CLAIMS))) {
        // Another process may be pruning the same marker: a missing file is fine.
        await unlink(join(path, String(old))).catch(() => undefined);
      }
      return true;
    },
  };
}
