/**
 * Locks shared by processes: a file created with `O_EXCL`, holding the owner's pid and host. A
 * lock whose holder is a dead process of this host is broken at once; one whose holder cannot
 * be judged (another host, unreadable content, a reused pid) is broken once older than `staleMs`.
 */
import { link, readFile, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createExclusive, processAlive, remove, tempName } from "./files.js";

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  /** `undefined` for locks written before the host was recorded. */
  readonly host: string | undefined;
}

const HOST = hostname();
const LOCK_CONTENT = /^(\d{1,10})(?: ([^\s]{1,255}))?\n?$/;

/** The content of a lock this process takes. */
export function lockContent(): string {
  return `${process.pid} ${HOST}\n`;
}

/** Parses a lock file's content; `undefined` for anything this queue does not write. */
export function parseLock(text: string): LockHolder | undefined {
  const m = LOCK_CONTENT.exec(text);
  if (!m?.[1]) return undefined;
  const pid = Number(m[1]);
  return pid > 0 ? { pid, host: m[2] } : undefined;
}

/** Whether the holder is a process of this host that is gone. */
export function holderIsDead(holder: LockHolder | undefined): boolean {
  return holder !== undefined && (holder.host === undefined || holder.host === HOST) && !processAlive(holder.pid);
}

/** The holder of a lock, or `undefined` when the lock is gone or unreadable. */
export async function readLock(path: string): Promise<{ holder: LockHolder | undefined; text: string; ageMs: number } | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(path, "latin1"), stat(path)]);
    // The kernel stamped the mtime with the machine's clock: compared with that, not an injected one.
    return { holder: parseLock(text), text, ageMs: Date.now() - stats.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock; `false` when a live holder (or one that cannot be judged and is younger than
 * `staleMs`) has it. `asideDir` (on the same file system) is where the lock is written before it
 * is linked into place, and where a stale lock is moved to be checked before it is removed.
 */
export async function tryLock(path: string, staleMs: number, asideDir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createExclusive(path, lockContent(), asideDir)) return true;
    const found = await readLock(path);
    if (found === undefined) continue; // released meanwhile
    if (!holderIsDead(found.holder) && found.ageMs < staleMs) return false;
    await breakLock(path, found.text, asideDir);
  }
  return false;
}

/**
 * Removes a stale lock, but only the one judged stale: it is renamed away first and checked, so
 * a fresh lock another process took in the meantime is put back rather than removed.
 */
async function breakLock(path: string, staleText: string, asideDir: string): Promise<void> {
  const aside = join(asideDir, tempName());
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: someone else broke or released it
  }
  const moved = await readFile(aside, "latin1").catch(() => staleText);
  if (moved !== staleText) {
    // Not the lock judged stale: give it back, unless a third process took the name meanwhile.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/** Releases a lock taken with {@link tryLock}. */
export async function unlock(path: string): Promise<void> {
  await remove(path).catch(() => false);
}
