import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgumentError } from "@x/message";
import { IdLockedError } from "./errors.js";
import { readLock, tryLock, unlock } from "./lock-file.js";
import type { JobStore } from "./store.js";

/** An id lock older than this is taken over even when its holder cannot be judged (another host, a reused pid). */
export const STALE_ID_LOCK_MS = 60_000;
/**
 * Waits between tries when another enqueue of the same id holds the lock: it holds it for one
 * listing of the queue, so a few short waits usually see it released.
 */
const ID_LOCK_WAITS_MS = [5, 10, 20, 40, 80];

/**
 * Runs an enqueue with a caller-chosen id, refusing a second live job with that id. The check
 * lists the queue, so it runs under a lock file `tmp/<id>.idlock` that two concurrent enqueues of
 * the same id cannot both hold. A lock left by a dead process of this host is broken at once.
 *
 * @throws IdLockedError when a live holder keeps the lock through the short waits.
 */
export async function withIdLock<T>(store: JobStore, id: string, task: () => Promise<T>): Promise<T> {
  const lock = join(store.layout.tmp, `${id}.idlock`);
  for (let attempt = 0; !(await tryLock(lock, STALE_ID_LOCK_MS, store.layout.tmp)); attempt++) {
    const wait = ID_LOCK_WAITS_MS[attempt];
    if (wait === undefined) throw new IdLockedError(id, (await readLock(lock))?.holder?.pid);
    await sleep(wait);
  }
  try {
    if (await store.find(id)) throw new InvalidArgumentError("id", `a job with id ${id} already exists`);
    return await task();
  } finally {
    await unlock(lock);
  }
}
