import { setTimeout as sleep } from "node:timers/promises";
import { InvalidOptionError } from "@x/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QueueAdapter } from "./adapter.js";
import { createMemoryQueue, type MemoryQueueOptions } from "./memory-queue.js";
import { describeQueueAdapter } from "./testing/index.js";

describeQueueAdapter("memory", ({ leaseMs }) => createMemoryQueue({ leaseMs }), { leaseMs: 150 });

/**
 * A correct adapter whose close() still awaits I/O after rejecting its pending reserves, as a
 * networked one does: the suite must attach its rejection handlers before awaiting close().
 */
function withSlowClose(queue: QueueAdapter): QueueAdapter {
  const close = async (): Promise<void> => {
    await queue.close();
    await sleep(10);
  };
  // The memory queue is a plain object of closures, so its methods can be copied as they are.
  return {
    ...queue,
    close,
    [Symbol.asyncDispose]: close,
  };
}

describeQueueAdapter("memory with a close() that awaits I/O", ({ leaseMs }) => withSlowClose(createMemoryQueue({ leaseMs })), {
  leaseMs: 150,
});

describe("createMemoryQueue timing (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a waiting reserve wakes exactly when a delayed job becomes due", async () => {
    const queue = createMemoryQueue();
    await queue.enqueue({ payload: "later", delayMs: 10_000 });
    let got: string | undefined;
    const waiting = queue.reserve({ timeoutMs: Infinity }).then((job) => (got = String(job?.message.body.payload)));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(got).toBe("later");
    await queue.close();
  });

  it("a lease runs out after exactly leaseMs; touch() restarts it", async () => {
    const queue = createMemoryQueue({ leaseMs: 5_000 });
    await queue.enqueue({ payload: 1 });
    const job = await queue.reserve();
    await vi.advanceTimersByTimeAsync(4_000);
    await job?.touch();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await queue.reserve()).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    const again = await queue.reserve();
    expect(again?.message.header.attempts).toBe(1);
    await queue.close();
  });

  it("reserve resolves null when its timeout passes", async () => {
    const queue = createMemoryQueue();
    const waiting = queue.reserve({ timeoutMs: 2_000 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await waiting).toBeNull();
    await queue.close();
  });
});

describe("createMemoryQueue options and isolation", () => {
  it("rejects a bad leaseMs, naming the option", () => {
    expect(() => createMemoryQueue({ leaseMs: 0 })).toThrow(InvalidOptionError);
    expect(() => createMemoryQueue({ leaseMs: Number.NaN })).toThrow(/`leaseMs` must be a number of milliseconds/);
  });

  it("rejects an unknown option, listing the valid ones", () => {
    expect(() => createMemoryQueue({ leaseMS: 5 } as MemoryQueueOptions)).toThrow(
      "option `leaseMS` is not an option of createMemoryQueue(); valid options: leaseMs, name",
    );
  });

  it("copies payloads in, so later changes by the producer do not reach the job", async () => {
    const queue = createMemoryQueue();
    const payload = { items: [1, 2] };
    await queue.enqueue({ payload });
    payload.items.push(3);
    const job = await queue.reserve();
    expect(job?.message.body.payload).toEqual({ items: [1, 2] });
    expect(Object.isFrozen(job?.message.body.payload)).toBe(true);
    await queue.close();
  });

  it("rejects a duplicate id", async () => {
    const queue = createMemoryQueue();
    await queue.enqueue({ id: "same" });
    await expect(queue.enqueue({ id: "same" })).rejects.toThrow(/already exists/);
    await queue.close();
  });
});
