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
