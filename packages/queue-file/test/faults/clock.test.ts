/**
 * Clock steps through the injectable time source: leases and delays follow the monotonic clock in a
 * running process, so a step of the wall clock either way neither hands a held job to a second
 * consumer nor hides a ready one.
 */
import { LeaseLostError } from "@x/message";
import { printFaultReport, soakScale } from "@x/test-servers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFileQueue } from "../../src/index.js";
import { type RecordedEvent, recordEvents, tempDirs } from "../helpers.js";
import { steppingClock } from "./clock.js";

const tempDir = tempDirs();
const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("clock steps", () => {
  it("a forward step longer than the lease hands no held job to a second consumer; a dead holder's lease still ends after ttrMs", async () => {
    const { time, stepWall, elapse } = steppingClock();
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const holder = createFileQueue({ dir, ttrMs: 10_000, time });
    const other = recordEvents(createFileQueue({ dir, ttrMs: 10_000, time }), events);
    const sent = await holder.enqueue({ payload: "long job" });
    const job = await holder.reserve();
    expect(await other.reserve()).toBeNull();
    stepWall(HOUR);
    let duplicated = 0;
    const stolen = await other.reserve();
    if (stolen) duplicated++;
    elapse(9_000);
    if (await other.reserve()) duplicated++;
    await expect(job?.ack()).resolves.toBeUndefined();
    printFaultReport({ scenario: "queue-file wall clock +1 h during a lease", confirmed: 1, handled: 1, lost: 0, duplicated });
    expect(duplicated).toBe(0);
    expect(events.filter((event) => event.type === "requeued")).toEqual([]);

    // A holder that dies: its lease ends ttrMs after another process first saw it (its first
    // reserve looks at once, then every reapIntervalMs), on the monotonic clock.
    const second = await holder.enqueue({ payload: "abandoned" });
    expect((await holder.reserve())?.message.id).toBe(second.id);
    const third = createFileQueue({ dir, ttrMs: 10_000, time });
    expect(await third.reserve()).toBeNull();
    stepWall(HOUR);
    expect(await third.reserve()).toBeNull();
    elapse(9_900);
    expect(await third.reserve()).toBeNull();
    elapse(200);
    const again = await third.reserve();
    expect(again?.message.id).toBe(second.id);
    expect(again?.message.header.attempts).toBe(1);
    await again?.ack();
    expect(sent.id).not.toBe(second.id);
    await third.close();
    await holder.close();
    await other.close();
  });

  it("a backward step of 120 s hides no ready job, new or old, from running or new consumers", async () => {
    const { time, stepWall } = steppingClock();
    const dir = tempDir();
    const producer = createFileQueue({ dir, time });
    const consumer = createFileQueue({ dir, time });
    expect(await consumer.reserve()).toBeNull();
    const before = await producer.enqueue({ payload: "before the step" });
    stepWall(-120_000);
    const after = await producer.enqueue({ payload: "after the step" });
    expect(await producer.stats()).toMatchObject({ ready: 2, delayed: 0 });
    expect((await producer.inspect(after.id))?.state).toBe("ready");
    // A consumer that starts after the step sees both at once too.
    const late = createFileQueue({ dir, time });
    const handled = new Set<string>();
    for (const queue of [consumer, late]) {
      const job = await queue.reserve();
      if (job) {
        handled.add(job.message.id);
        await job.ack();
      }
    }
    const lost = [before.id, after.id].filter((id) => !handled.has(id)).length;
    printFaultReport({ scenario: "queue-file wall clock -120 s", confirmed: 2, handled: handled.size, lost, duplicated: 0 });
    expect(lost).toBe(0);
    await producer.close();
    await consumer.close();
    await late.close();
  });

  it("a released job's delay is measured on the monotonic clock: a step neither hides it longer nor lets it out early", async () => {
    const { time, stepWall, elapse } = steppingClock();
    const queue = createFileQueue({ dir: tempDir(), time });
    await queue.enqueue({ payload: "retry me" });
    await (await queue.reserve())?.release({ delayMs: 5_000 });
    stepWall(-HOUR);
    elapse(4_900);
    expect(await queue.reserve()).toBeNull();
    elapse(200);
    const back = await queue.reserve();
    expect(back?.message.body.payload).toBe("retry me");
    await back?.release({ delayMs: 5_000 });
    stepWall(HOUR);
    expect(await queue.reserve()).toBeNull();
    elapse(5_100);
    await (await queue.reserve())?.ack();
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0 });
    await queue.close();
  });

  it("random steps of up to an hour either way while two consumers work: nothing lost, nothing handed out twice", async () => {
    const { time, stepWall, elapse } = steppingClock();
    const dir = tempDir();
    const total = soakScale(200, 5_000);
    const a = createFileQueue({ dir, ttrMs: 5_000, time, fsync: false });
    const b = createFileQueue({ dir, ttrMs: 5_000, time, fsync: false });
    // A fixed sequence of steps, so a failure can be replayed.
    let seed = 13;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const handled = new Map<string, number>();
    let hidden = 0;
    let lostLeases = 0;
    for (let n = 0; n < total; n++) {
      const producer = n % 2 === 0 ? a : b;
      const consumer = n % 2 === 0 ? b : a;
      await producer.enqueue({ payload: n });
      if (random() < 0.3) stepWall(Math.round((random() * 2 - 1) * HOUR));
      const job = await consumer.reserve();
      if (!job) {
        hidden++;
        continue;
      }
      // Another consumer must not get it while it is held, however the clock moves.
      if (random() < 0.3) stepWall(Math.round((random() * 2 - 1) * HOUR));
      const intruder = await producer.reserve();
      if (intruder) await intruder.release();
      if (random() < 0.2) elapse(Math.round(random() * 100));
      await job.ack().catch((error: unknown) => {
        if (error instanceof LeaseLostError) lostLeases++;
        else throw error;
      });
      handled.set(job.message.id, (handled.get(job.message.id) ?? 0) + 1);
    }
    const duplicated = [...handled.values()].reduce((sum, count) => sum + count - 1, 0) + lostLeases;
    printFaultReport({
      scenario: "queue-file random wall clock steps",
      confirmed: total,
      handled: handled.size,
      lost: total - handled.size,
      duplicated,
      hidden,
    });
    expect({ hidden, lostLeases, duplicated, lost: total - handled.size }).toEqual({ hidden: 0, lostLeases: 0, duplicated: 0, lost: 0 });
    await a.close();
    await b.close();
  });
});
