import { describe, expect, it } from "vitest";
import type { QueueAdapter } from "./adapter.js";
import { InvalidArgumentError, UnsupportedOperationError } from "./errors.js";
import { createMemoryQueue } from "./memory-queue.js";
import { bulk, checkBulkOptions, encodeProgress, enqueueMany, listAll, normalizeListOptions } from "./operations.js";

/** An adapter with only the required methods, as a third-party one may be. */
function basicAdapter(): QueueAdapter {
  const queue = createMemoryQueue();
  return {
    name: queue.name,
    capabilities: { ...queue.capabilities, list: false, enqueueMany: false, bulk: false, pause: false },
    enqueue: (init) => queue.enqueue(init),
    reserve: (options) => queue.reserve(options),
    peek: (id) => queue.peek(id),
    delete: (id) => queue.delete(id),
    kick: (max) => queue.kick(max),
    stats: () => queue.stats(),
    close: () => queue.close(),
    [Symbol.asyncDispose]: () => queue.close(),
  };
}

describe("enqueueMany()", () => {
  it("falls back to one enqueue per job, with one result per job", async () => {
    const queue = basicAdapter();
    const results = await enqueueMany<unknown>(queue, [{ payload: 1 }, { priority: Number.NaN }, { payload: 3 }]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    const failed = results[1];
    expect(failed?.ok === false && failed.error).toBeInstanceOf(InvalidArgumentError);
    expect((await queue.stats()).ready).toBe(2);
  });

  it("uses the adapter's batch path when it has one", async () => {
    const queue = createMemoryQueue();
    let calls = 0;
    const many = queue.enqueueMany?.bind(queue);
    const counted: QueueAdapter = { ...queue, enqueueMany: (inits) => (calls++, many ? many(inits) : Promise.resolve([])) };
    await enqueueMany(counted, [{ payload: 1 }, { payload: 2 }]);
    expect(calls).toBe(1);
  });
});

describe("listAll() and bulk()", () => {
  it("walks every page", async () => {
    const queue = createMemoryQueue();
    for (let i = 0; i < 7; i++) await queue.enqueue({ payload: i });
    const payloads: unknown[] = [];
    for await (const job of listAll(queue, { state: "ready", limit: 3 })) payloads.push(job.message.body.payload);
    expect(payloads).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("say UnsupportedOperationError, naming the adapter, where it lacks the capability", async () => {
    const queue = basicAdapter();
    await expect(listAll(queue, { state: "buried" }).next()).rejects.toThrow(new UnsupportedOperationError("memory", "list jobs"));
    await expect(bulk(queue, { action: "kick", state: "buried" })).rejects.toBeInstanceOf(UnsupportedOperationError);
  });
});

describe("argument checks shared by adapters", () => {
  it("normalizeListOptions fills the default limit and names bad fields", () => {
    expect(normalizeListOptions({ state: "ready" }).limit).toBe(100);
    expect(() => {
      normalizeListOptions({ state: "ready", limit: 1.5 });
    }).toThrow(/`limit` must be an integer from 1 to 1000/);
    expect(() => {
      normalizeListOptions({ state: "done" as "ready" });
    }).toThrow(/`state` must be ready, delayed, reserved or buried, got "done"/);
  });

  it("checkBulkOptions refuses pairs that make no sense", () => {
    expect(() => {
      checkBulkOptions({ action: "kick", state: "buried" });
    }).not.toThrow();
    expect(() => {
      checkBulkOptions({ action: "retry", state: "delayed" });
    }).not.toThrow();
    expect(() => {
      checkBulkOptions({ action: "kick", state: "delayed" });
    }).toThrow(/kick applies to buried jobs/);
    expect(() => {
      checkBulkOptions({ action: "delete", state: "reserved" });
    }).toThrow(InvalidArgumentError);
    expect(() => {
      checkBulkOptions({ action: "purge" as "delete", state: "ready" });
    }).toThrow(/`action` must be kick, retry or delete/);
  });

  it("encodeProgress keeps JSON and refuses the rest", () => {
    expect(encodeProgress({ done: 3, of: 10 })).toBe('{"done":3,"of":10}');
    expect(() => encodeProgress(Number.POSITIVE_INFINITY)).toThrow(InvalidArgumentError);
    expect(() => encodeProgress("x".repeat(70_000))).toThrow(/at most 65536 are kept/);
  });
});
