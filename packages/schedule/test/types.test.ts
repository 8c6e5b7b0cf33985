import { createMemoryQueue, type Message } from "@x/message";
import {
  defineSchedule,
  type EnqueuedEvent,
  type ScheduleDefinition,
  type Scheduler,
  type SkipReason,
  startSchedules,
  type Tick,
} from "@x/schedule";
import { describe, expect, expectTypeOf, it } from "vitest";

describe("types", () => {
  it("a schedule has exactly one of cron and everyMs, and its job function gets the tick", () => {
    const nightly = defineSchedule({
      name: "nightly",
      cron: "0 3 * * *",
      job: (tick) => {
        expectTypeOf(tick).toEqualTypeOf<Tick>();
        return { payload: tick.at.toISOString() };
      },
    });
    expectTypeOf(nightly.name).toEqualTypeOf<"nightly">();
    // @ts-expect-error both cron and everyMs
    const both: ScheduleDefinition = { name: "x", cron: "* * * * *", everyMs: 1_000, job: {} };
    // @ts-expect-error a time zone means nothing to an interval
    const zoned: ScheduleDefinition = { name: "x", everyMs: 1_000, timezone: "UTC", job: {} };
    // @ts-expect-error not a policy
    const policy: ScheduleDefinition = { name: "x", everyMs: 1_000, job: {}, missed: "never" };
    // What the types refuse is refused at runtime too, for schedules written in JavaScript.
    for (const bad of [both, zoned, policy]) expect(() => startSchedules(createMemoryQueue(), [bad])).toThrow(/schedule "x"/);
  });

  it("the scheduler is observable and disposable", async () => {
    const scheduler = startSchedules(createMemoryQueue(), []);
    expectTypeOf(scheduler).toExtend<AsyncDisposable>();
    expectTypeOf<ReturnType<Scheduler["close"]>>().toEqualTypeOf<Promise<void>>();
    const unsubscribe = scheduler.on("enqueued", (event) => {
      expectTypeOf(event).toEqualTypeOf<EnqueuedEvent>();
      expectTypeOf(event.message).toEqualTypeOf<Message>();
    });
    scheduler.on("skipped", ({ reason }) => {
      expectTypeOf(reason).toEqualTypeOf<SkipReason>();
    });
    // @ts-expect-error no such event
    scheduler.on("fired", () => undefined);
    unsubscribe();
    await using disposed: Scheduler = scheduler;
    expect(disposed).toBe(scheduler);
  });
});
