/**
 * `bulk()`: kick, retry or delete every job of a state (and request type). Each job is moved or
 * removed by one rename or unlink of the name it was listed under, so a job that a worker
 * reserved, or another process moved, meanwhile makes that call fail and is skipped, never
 * handled twice.
 */
import { type BulkOptions, type BulkResult, checkBulkOptions, matchesRequestType } from "@x/message";
import type { StateDir } from "./corrupt.js";
import { claim, remove } from "./files.js";
import { reasonFileOf } from "./names.js";
import type { JobStore } from "./store.js";

/** Jobs made ready are published (journal, wake-ups) this many at a time, so consumers start on them early. */
const PUBLISH_EVERY = 256;

/** A job as listed: its directory, file name and what the name says. */
interface Listed {
  readonly name: string;
  readonly id: string;
  readonly priority: number;
  readonly deliveries: number;
}

export async function runBulk(store: JobStore, options: BulkOptions): Promise<BulkResult> {
  checkBulkOptions(options);
  const { action, state, requestType, signal } = options;
  const dir: StateDir = state === "buried" ? "buried" : "ready";
  const listed: Listed[] =
    dir === "buried"
      ? (await store.listBuried()).jobs
      : (await store.listReady()).filter((entry) => store.isDelayed(entry) === (state === "delayed"));
  let matched = 0;
  let changed = 0;
  let revived: string[] = [];
  const publish = async (): Promise<void> => {
    const names = revived;
    revived = [];
    await store.publishReady(names);
  };
  try {
    for (const job of listed) {
      if (signal?.aborted) break;
      if (requestType !== undefined) {
        const loaded = await store.load(dir, job.name, job.id);
        // Gone (taken or moved meanwhile), or not a job: not looked at.
        if (!("message" in loaded) || !matchesRequestType(requestType, loaded.message.header.requestType)) continue;
      }
      matched++;
      if (action === "delete") {
        if (!(await remove(store.path(dir, job.name)))) continue;
        if (dir === "buried") await remove(store.path("buried", reasonFileOf(job.name)));
        else store.index.forget(job.name);
        changed++;
        continue;
      }
      // kick, retry: ready now, deliveries unchanged.
      const readyName = store.readyName(job);
      if (!(await claim(store.path(dir, job.name), store.path("ready", readyName)))) continue;
      if (dir === "buried") await remove(store.path("buried", reasonFileOf(job.name)));
      else store.index.forget(job.name);
      changed++;
      revived.push(readyName);
      if (revived.length >= PUBLISH_EVERY) await publish();
    }
  } finally {
    await publish();
    if (action === "delete" && changed > 0) await store.flush(dir);
  }
  return { matched, changed };
}
