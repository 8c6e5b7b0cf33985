import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach } from "vitest";

/**
 * The memory queue behind an adapter that assigns its own ids, as beanstalkd does: it declares
 * `customIds: false` and ignores a caller's id, so it can never refuse a duplicate.
 */
export function ownIdsQueue(): QueueAdapter {
  const inner = createMemoryQueue({ name: "own-ids" });
  return Object.assign(Object.create(inner) as QueueAdapter, {
    name: "own-ids",
    capabilities: { ...inner.capabilities, customIds: false },
    enqueue: ({ id: _ignored, ...init }: Parameters<QueueAdapter["enqueue"]>[0]) => inner.enqueue(init),
  });
}

/** A fresh temporary directory per call, removed after the test. */
export function tempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "x-schedule-"));
    made.push(dir);
    return dir;
  };
}

/** Resolves once `predicate` holds, checking after each event; the test timeout bounds it. */
export function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (predicate()) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}
