/** The `prefetch` option: jobs reserved ahead of `reserve()` calls, and what it costs. */

import { createWorker } from "@x/worker";
import { describe, expect, it } from "vitest";
import type { BeanstalkQueue, BeanstalkQueueOptions } from "../src/index.js";
import { until } from "./helpers.js";
import { useQueues } from "./queues.js";

const fixture = useQueues();
const queueFor = (options: BeanstalkQueueOptions = {}): BeanstalkQueue => fixture.queue(options);

describe("prefetch", () => {
  it("hands jobs out in beanstalkd's order (priority, then FIFO) and holds the prefetched ones as reserved", async () => {
    const queue = queueFor({ prefetch: 3 });
    const sent: { id: string; priority: number }[] = [];
    for (const priority of [5, 1, 5, 3, 1, 9, 5, 0]) sent.push({ id: (await queue.enqueue({ payload: priority, priority })).id, priority });
    const expected = [...sent].sort((a, b) => a.priority - b.priority || Number(a.id) - Number(b.id)).map((s) => s.id);
    const first = await queue.reserve();
    await until(async () => (await queue.stats()).reserved === 4, "three jobs to be prefetched");
    const got = [first?.message.id];
    for (let i = 1; i < sent.length; i++) got.push((await queue.reserve())?.message.id);
    expect(got).toEqual(expected);
    expect(await queue.reserve()).toBeNull();
  });

  it("jobs prefetched are acked, released and buried through their own socket", async () => {
    const queue = queueFor({ prefetch: 2 });
    for (let i = 0; i < 3; i++) await queue.enqueue({ payload: i });
    const a = await queue.reserve();
    const b = await queue.reserve();
    const c = await queue.reserve();
    await a?.ack();
    await b?.release({ priority: 7 });
    await c?.bury("no");
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0, buried: 1 });
    expect((await queue.reserve())?.message.header).toMatchObject({ priority: 7, attempts: 1 });
  });

  it("close gives prefetched jobs back to the queue", async () => {
    const queue = queueFor({ prefetch: 3 });
    for (let i = 0; i < 4; i++) await queue.enqueue({ payload: i });
    await queue.reserve();
    await until(async () => (await queue.stats()).reserved === 4, "three jobs to be prefetched");
    await queue.close();
    const other = queueFor({ tube: queue.tube });
    expect(await other.stats()).toMatchObject({ ready: 4, reserved: 0 });
  });

  it("a prefetched job is kept alive while it waits: it does not time out or gain an attempt", async () => {
    const queue = queueFor({ prefetch: 1, ttrMs: 1_000 });
    const a = await queue.enqueue({ payload: "a" });
    const b = await queue.enqueue({ payload: "b" });
    const first = await queue.reserve();
    expect(first?.message.id).toBe(a.id);
    await until(async () => (await queue.stats()).reserved === 2, "b to be prefetched");
    // The caller is busy with `a` for several of b's TTRs.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await first?.touch();
    }
    const next = await queue.reserve();
    expect(next?.message.id).toBe(b.id);
    expect(next?.message.header.attempts).toBe(0);
    await next?.ack();
    await first?.ack();
  });

  it("a worker with prefetch runs every job once and leaves nothing behind", async () => {
    const queue = queueFor({ prefetch: 7 });
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) ids.add((await queue.enqueue({ requestType: "work", payload: i, priority: i % 5 })).id);
    const runs: string[] = [];
    const worker = createWorker({
      queue,
      concurrency: 8,
      handleSignals: false,
      shutdownAfterEmptyIterations: 0,
      handlers: {
        work: async (_payload: unknown, ctx) => {
          runs.push(ctx.message.id);
          await new Promise((resolve) => setTimeout(resolve, 1));
        },
      },
    });
    const result = await worker.run();
    expect(result.reason).toBe("idle");
    expect(runs).toHaveLength(300);
    expect(new Set(runs)).toEqual(ids);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, buried: 0 });
  });
});
