import { createMemoryQueue, type QueueAdapter, type Reservation } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ownIdsQueue } from "../test/helpers.js";
import type { EnqueuedEvent, LeadershipEvent, ScheduleErrorEvent, SkippedEvent } from "./events.js";
import { LEADER_JOB_ID } from "./leader.js";
import type { ScheduleOptions } from "./options.js";
import { type Scheduler, startSchedules } from "./scheduler.js";

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Run {
  readonly scheduler: Scheduler;
  readonly enqueued: number[];
  readonly followed: number;
  readonly leadership: LeadershipEvent[];
  readonly errors: ScheduleErrorEvent[];
}

function start(queue: QueueAdapter, options: ScheduleOptions): Run {
  const scheduler = startSchedules(queue, [{ name: "tick", everyMs: 1_000, job: {} }], options);
  const run = { scheduler, enqueued: [] as number[], followed: 0, leadership: [] as LeadershipEvent[], errors: [] as ScheduleErrorEvent[] };
  scheduler.on("enqueued", (event: EnqueuedEvent) => run.enqueued.push(event.at.getTime()));
  scheduler.on("skipped", (event: SkippedEvent) => {
    if (event.reason === "follower") run.followed++;
  });
  scheduler.on("leadership", (event) => run.leadership.push(event));
  scheduler.on("error", (event) => run.errors.push(event));
  return run;
}

/** A leader queue whose reservations never answer a touch, as over a dead connection. */
function stalledTouches(inner: QueueAdapter): QueueAdapter {
  return Object.assign(Object.create(inner) as QueueAdapter, {
    capabilities: inner.capabilities,
    reserve: async (options?: Parameters<QueueAdapter["reserve"]>[0]) => {
      const reservation = await inner.reserve(options);
      if (reservation === null) return null;
      return Object.assign(Object.create(reservation) as Reservation, {
        message: reservation.message,
        leaseMs: reservation.leaseMs,
        touch: () => new Promise<void>(() => undefined),
      });
    },
  });
}

describe("a leader queue (several machines, a queue without custom ids)", () => {
  it("only the lease holder enqueues: each tick once, the other follows", async () => {
    const queue = ownIdsQueue();
    const leaderQueue = createMemoryQueue({ leaseMs: 5_000 });
    const a = start(queue, { leader: { queue: leaderQueue } });
    const b = start(queue, { leader: { queue: leaderQueue } });
    await vi.advanceTimersByTimeAsync(20_000);
    const [leader, follower] = a.enqueued.length > 0 ? [a, b] : [b, a];
    expect(leader.enqueued).toHaveLength(20);
    expect(follower.enqueued).toEqual([]);
    expect(follower.followed).toBe(20);
    expect(leader.leadership).toEqual([{ held: true }]);
    expect(follower.leadership).toEqual([]);
    expect(await queue.stats()).toMatchObject({ ready: 18, delayed: 2 });
    expect(await leaderQueue.stats()).toMatchObject({ ready: 0, reserved: 1 });

    // Closing hands the lease over at once: no tick is lost or doubled.
    await leader.scheduler.close();
    expect(leader.leadership).toEqual([{ held: true }, { held: false }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(follower.leadership).toEqual([{ held: true }]);
    const all = [...leader.enqueued, ...follower.enqueued];
    expect(new Set(all).size).toBe(30);
    expect(all.sort((x, y) => x - y).at(-1)).toBe(Date.parse("2026-01-01T00:00:30Z"));
    await follower.scheduler.close();
    expect(a.errors.concat(b.errors)).toEqual([]);
  });

  it("a leader that cannot renew its lease stops enqueuing graceMs before anyone else can start", async () => {
    const queue = ownIdsQueue();
    const leaderQueue = createMemoryQueue({ leaseMs: 5_000 });
    const stuck = start(queue, { leader: { queue: stalledTouches(leaderQueue) } });
    await vi.advanceTimersByTimeAsync(500);
    const healthy = start(queue, { leader: { queue: leaderQueue } });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(stuck.leadership).toEqual([{ held: true }]);
    expect(healthy.leadership).toEqual([{ held: true }]);
    // The stuck one held from 0 s; its lease ends at 5 s, so it enqueues up to 3 s (1 s grace).
    expect(stuck.enqueued.map((t) => new Date(t).toISOString().slice(17, 19))).toEqual(["01", "02", "03"]);
    expect(Math.min(...healthy.enqueued)).toBeGreaterThan(Math.max(...stuck.enqueued));
    const all = [...stuck.enqueued, ...healthy.enqueued];
    expect(new Set(all).size).toBe(all.length);
    // Close returns although a touch hangs.
    await Promise.all([stuck.scheduler.close(), healthy.scheduler.close()]);
  });

  it("checks the leader option, and a queue without custom ids may use it instead of a stateDir", async () => {
    expect(() => startSchedules(ownIdsQueue(), [], { leader: { queue: ownIdsQueue() } })).toThrow(
      /option `leader.queue` must keep custom ids \(capabilities.customIds\), so that it holds one leader job; queue "own-ids" does not/,
    );
    expect(() => startSchedules(ownIdsQueue(), [], { leader: { queue: createMemoryQueue(), leaseMs: 5 } as never })).toThrow(
      /`leaseMs` is not an option of startSchedules leader\(\); valid options: queue/,
    );
    expect(() => startSchedules(ownIdsQueue(), [], { leader: {} as never })).toThrow(/`leader.queue` must be a QueueAdapter/);
    await startSchedules(ownIdsQueue(), [], { leader: { queue: createMemoryQueue() } }).close();
  });

  it("a leader queue holding another job: the job is released, the error reported, no one leads on it", async () => {
    const leaderQueue = createMemoryQueue();
    await leaderQueue.enqueue({ id: "stray", payload: 1 });
    const run = start(ownIdsQueue(), { leader: { queue: leaderQueue } });
    await vi.advanceTimersByTimeAsync(100);
    expect(run.errors[0]?.error).toMatchObject({ code: "ERR_X_SCHEDULE_LEADER_QUEUE", jobId: "stray" });
    expect(await leaderQueue.peek("stray")).not.toBeNull();
    expect(await leaderQueue.peek(LEADER_JOB_ID)).not.toBeNull();
    await run.scheduler.close();
  });
});
