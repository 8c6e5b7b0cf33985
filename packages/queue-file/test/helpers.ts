import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { FileQueue, FileQueueEvents } from "../src/index.js";

/** A fresh temp directory per call, all removed after the test file. */
export function tempDirs(prefix = "x-queue-file-"): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** Every event name a file queue reports. */
const EVENT_NAMES: readonly (keyof FileQueueEvents)[] = ["corrupt", "requeued", "returned", "compacted", "rescanned", "cleaned", "error"];

/** One reported event, with its name as `type`: what {@link recordEvents} collects. */
export type RecordedEvent = { [E in keyof FileQueueEvents]: { readonly type: E } & FileQueueEvents[E] }[keyof FileQueueEvents];

/** Subscribes to every event of `queue` and collects them, in order, into `into`. */
export function recordEvents<Q extends FileQueue>(queue: Q, into: RecordedEvent[]): Q {
  for (const type of EVENT_NAMES) {
    queue.on(type, (event) => {
      into.push({ type, ...event } as RecordedEvent);
    });
  }
  return queue;
}
