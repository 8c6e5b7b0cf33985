import { join } from "node:path";
import { InvalidArgumentError } from "@x/message";
import { tryLock, unlock } from "./lock-file.js";
import type { JobStore } from "./store.js";

/** An id lock older than this belongs to an enqueue that died. */
export const STALE_ID_LOCK_MS = 60_000;

/**
 * Runs an enqueue with a caller-chosen id, refusing a second live job with that id. The check
 * lists the queue, so it runs under a lock file `tmp/<id>.idlock` that two concurrent enqueues of
 * the same id cannot both hold.
 */
export async function withIdLock<T>(store: JobStore, id: string, task: () => Promise<T>): Promise<T> {
  const lock = join(store.layout.tmp, `${id}.idlock`);
  if (!(await tryLock(lock, STALE_ID_LOCK_MS))) {
    throw new InvalidArgumentError("id", `a job with id ${id} is being enqueued by someone else`);
  }
  try {
    if (await store.find(id)) throw new InvalidArgumentError("id", `a job with id ${id} already exists`);
    return await task();
  } finally {
    await unlock(lock);
  }
}
