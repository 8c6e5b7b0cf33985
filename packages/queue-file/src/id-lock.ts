import { join } from "node:path";
import { sleep, type TimeSource } from "@x/core";
import { InvalidArgumentError } from "@x/message";
import { IdLockedError } from "./errors.js";
import { idLockName, STALE_ID_LOCK_MS } from "./id-lock-name.js";
import { readLock, tryLock, unlock } from "./lock-file.js";

/**
 * Waits between tries when another enqueue of the same id holds the lock: it holds it for one
 * listing of the queue, so a few short waits usually see it released.
 */
const ID_LOCK_WAITS_MS = [5, 10, 20, 40, 80];

/**
 * Runs an enqueue with a caller-chosen id, refusing a second live job with that id (`exists`
 * says whether one is in the queue). The check lists the queue, so it runs under a lock file
 * `tmp/<id>.idlock` in `tmpDir` that two concurrent enqueues of the same id cannot both hold. A
 * lock left by a dead process of this host is broken at once.
 *
 * @throws IdLockedError when a live holder keeps the lock through the short waits.
 */
export async function withIdLock<T>(
  tmpDir: string,
  id: string,
  exists: (id: string) => Promise<boolean>,
  time: TimeSource,
  task: () => Promise<T>,
): Promise<T> {
  const lock = join(tmpDir, idLockName(id));
  for (let attempt = 0; !(await tryLock(lock, STALE_ID_LOCK_MS, tmpDir)); attempt++) {
    const wait = ID_LOCK_WAITS_MS[attempt];
    if (wait === undefined) throw new IdLockedError(id, (await readLock(lock))?.holder?.pid);
    await sleep(wait, undefined, time);
  }
  try {
    if (await exists(id)) throw new InvalidArgumentError("id", `a job with id ${id} already exists`);
    return await task();
  } finally {
    await unlock(lock);
  }
}

/**
 * Takes the id locks of a batch (see {@link withIdLock}), trying again after the same short waits
 * for ids whose lock a live holder keeps. Resolves to the ids locked, and an `IdLockedError` for
 * each id that stayed locked; the caller unlocks with {@link unlockIds}.
 */
export async function lockIds(
  tmpDir: string,
  ids: readonly string[],
  time: TimeSource,
): Promise<{ locked: string[]; busy: Map<string, IdLockedError> }> {
  const locked: string[] = [];
  const busy = new Map<string, IdLockedError>();
  let pending = [...ids];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const still: string[] = [];
    for (const id of pending) {
      if (await tryLock(join(tmpDir, idLockName(id)), STALE_ID_LOCK_MS, tmpDir)) locked.push(id);
      else still.push(id);
    }
    pending = still;
    const wait = ID_LOCK_WAITS_MS[attempt];
    if (pending.length === 0) break;
    if (wait === undefined) {
      for (const id of pending) busy.set(id, new IdLockedError(id, (await readLock(join(tmpDir, idLockName(id))))?.holder?.pid));
      break;
    }
    await sleep(wait, undefined, time);
  }
  return { locked, busy };
}

/** Releases locks taken with {@link lockIds}. */
export async function unlockIds(tmpDir: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) await unlock(join(tmpDir, idLockName(id)));
}
