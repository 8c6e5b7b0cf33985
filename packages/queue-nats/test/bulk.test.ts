import { InvalidArgumentError } from "@x/message";
import { describe, expect, it } from "vitest";
import { createNatsQueue, type NatsQueue } from "../src/index.js";
import { freshQueueName, serverForFile } from "./helpers.js";

const server = serverForFile();

function open(queue = freshQueueName("bulk")): NatsQueue {
  const opened1 = createNatsQueue({ servers: server.url, queue, leaseMs: 5_000, pollIntervalMs: 20 });
  server.closeAfterTest(opened1);
  return opened1;
}

async function buryAll(queue: NatsQueue): Promise<void> {
  for (let job = await queue.reserve(); job; job = await queue.reserve()) await job.bury("bulk test");
}

describe("bulkParked: bulk operations on the jobs no worker holds", () => {
  it("is not the contract's bulk (ready jobs cannot be changed in bulk safely), so capabilities.bulk is false", () => {
    const queue = open();
    expect(queue.capabilities.bulk).toBe(false);
    expect("bulk" in queue).toBe(false);
  });

  it("kicks the buried jobs of one request type, keeping their attempts", async () => {
    const queue = open();
    for (let i = 0; i < 3; i++) await queue.enqueue({ requestType: "a", payload: i });
    for (let i = 0; i < 2; i++) await queue.enqueue({ requestType: "b", payload: i });
    await buryAll(queue);
    expect(await queue.bulkParked({ action: "kick", state: "buried", requestType: "a" })).toEqual({ matched: 3, changed: 3 });
    const stats = await queue.stats();
    expect([stats.ready, stats.buried]).toEqual([3, 2]);
    const kicked = await queue.reserve();
    expect(kicked?.message.header.requestType).toBe("a");
    expect(kicked?.message.header.attempts).toBe(1);
  });

  it("retries delayed jobs now and deletes buried and delayed ones, leaving the rest", async () => {
    const queue = open();
    const later = await queue.enqueue({ requestType: "later", delayMs: 60_000 });
    await queue.enqueue({ requestType: "other", delayMs: 60_000 });
    await queue.enqueue({ requestType: "spam", delayMs: 60_000 });
    expect(await queue.bulkParked({ action: "retry", state: "delayed", requestType: "later" })).toEqual({ matched: 1, changed: 1 });
    const job = await queue.reserve();
    expect(job?.message.id).toBe(later.id);
    await job?.ack();
    expect(await queue.bulkParked({ action: "delete", state: "delayed", requestType: "spam" })).toEqual({ matched: 1, changed: 1 });
    for (let i = 0; i < 2; i++) await queue.enqueue({ requestType: "broken", payload: i });
    await buryAll(queue);
    expect(await queue.bulkParked({ action: "delete", state: "buried" })).toEqual({ matched: 2, changed: 2 });
    const stats = await queue.stats();
    expect([stats.ready, stats.delayed, stats.reserved, stats.buried]).toEqual([0, 1, 0, 0]);
    expect(stats.extra?.messages).toBe(1); // the placeholders of the deletes are gone too
  });

  it("refuses ready and reserved jobs, and actions that do not fit the state", async () => {
    const queue = open();
    // Untyped callers (the CLI, JavaScript) can pass any state.
    const bulk = queue.bulkParked.bind(queue) as (options: { action: string; state: string }) => Promise<unknown>;
    await expect(bulk({ action: "delete", state: "ready" })).rejects.toThrow(/bulkParked works on buried and delayed jobs/);
    await expect(bulk({ action: "delete", state: "ready" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bulk({ action: "delete", state: "reserved" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bulk({ action: "kick", state: "delayed" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("a job deleted in bulk while reserves move it as due is either deleted or handed out, never both and never lost", async () => {
    const name = freshQueueName("race");
    const producer = open(name);
    const jobs = 60;
    const ids = new Set<string>();
    for (let i = 0; i < jobs; i++) ids.add((await producer.enqueue({ requestType: "soon", payload: i, delayMs: 150 })).id);
    // Two other adapters reserve (and so move due jobs) while a third deletes in bulk.
    const handed = new Set<string>();
    const reserving = [open(name), open(name)].map(async (worker) => {
      for (;;) {
        const job = await worker.reserve({ timeoutMs: 1_000 });
        if (job === null) return;
        handed.add(job.message.id);
        await job.ack();
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const { matched, changed } = await open(name).bulkParked({ action: "delete", state: "delayed" });
    await Promise.all(reserving);
    expect(changed).toBeLessThanOrEqual(matched);
    expect(handed.size + changed).toBe(jobs);
    const stats = await producer.stats();
    expect([stats.ready, stats.delayed, stats.reserved, stats.buried]).toEqual([0, 0, 0, 0]);
  });

  it("two operators kicking the same buried jobs move each once", async () => {
    const name = freshQueueName("kickers");
    const queue = open(name);
    for (let i = 0; i < 40; i++) await queue.enqueue({ requestType: "x", payload: i });
    await buryAll(queue);
    const [a, b] = await Promise.all([
      open(name).bulkParked({ action: "kick", state: "buried" }),
      open(name).bulkParked({ action: "retry", state: "buried" }),
    ]);
    expect(a.changed + b.changed).toBe(40);
    const stats = await queue.stats();
    expect([stats.ready, stats.buried]).toEqual([40, 0]);
  });
});
