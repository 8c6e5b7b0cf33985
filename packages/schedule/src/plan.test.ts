import { describe, expect, it } from "vitest";
import { compileSchedule } from "./definition.js";
import { MAX_COUNTED_MISSED, planTicks } from "./plan.js";

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);
const ticksOf = (definition: object) => compileSchedule({ job: {}, name: "t", ...definition }, 0).ticks;

function between(definition: object, from: string, to: string): string[] {
  const ticks = ticksOf(definition);
  const out: string[] = [];
  for (let t = ticks.next(at(from)); t !== null && t <= at(to); t = ticks.next(t)) out.push(iso(t));
  return out;
}

describe("tick times", () => {
  it("Europe/Berlin spring forward: 02:30 does not exist, a fixed-time job runs at 03:00 CEST instead", () => {
    expect(between({ cron: "30 2 * * *", timezone: "Europe/Berlin" }, "2026-03-28T00:00:00Z", "2026-03-30T23:00:00Z")).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("Europe/Berlin spring forward: an interval-like expression skips the hour that does not exist", () => {
    expect(between({ cron: "*/30 2 * * *", timezone: "Europe/Berlin" }, "2026-03-28T23:00:00Z", "2026-03-29T23:00:00Z")).toEqual([]);
  });

  it("Europe/Berlin fall back: a fixed-time job runs once, an interval-like one on both passes of the hour", () => {
    expect(between({ cron: "30 2 * * *", timezone: "Europe/Berlin" }, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z")).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    expect(between({ cron: "*/30 2 * * *", timezone: "Europe/Berlin" }, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z")).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
  });

  it("month ends: L is the last day of each month, February 29 in a leap year", () => {
    expect(between({ cron: "0 12 L * *", timezone: "UTC" }, "2028-01-01T00:00:00Z", "2028-05-01T00:00:00Z")).toEqual([
      "2028-01-31T12:00:00.000Z",
      "2028-02-29T12:00:00.000Z",
      "2028-03-31T12:00:00.000Z",
      "2028-04-30T12:00:00.000Z",
    ]);
    expect(between({ cron: "0 12 L 2 *", timezone: "UTC" }, "2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z")).toEqual([
      "2026-02-28T12:00:00.000Z",
      "2027-02-28T12:00:00.000Z",
    ]);
  });

  it("February 29 only fires in leap years; the 31st skips the short months", () => {
    expect(between({ cron: "0 0 29 2 *", timezone: "UTC" }, "2025-01-01T00:00:00Z", "2033-01-01T00:00:00Z")).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
    expect(between({ cron: "0 0 31 * *", timezone: "UTC" }, "2026-01-15T00:00:00Z", "2026-06-01T00:00:00Z")).toEqual([
      "2026-01-31T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
      "2026-05-31T00:00:00.000Z",
    ]);
  });

  it("six fields: the first is seconds", () => {
    expect(between({ cron: "*/20 * * * * *", timezone: "UTC" }, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z")).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:00.000Z",
    ]);
  });

  it("day of month and day of week are ORed, like Vixie cron; nicknames work", () => {
    // Friday 13 February 2026: the 13th of each month, and every Friday.
    expect(between({ cron: "0 0 13 * 5", timezone: "UTC" }, "2026-02-01T00:00:00Z", "2026-02-21T00:00:00Z")).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
      "2026-02-20T00:00:00.000Z",
    ]);
    expect(between({ cron: "@daily", timezone: "UTC" }, "2026-02-01T12:00:00Z", "2026-02-03T00:00:00Z")).toEqual([
      "2026-02-02T00:00:00.000Z",
      "2026-02-03T00:00:00.000Z",
    ]);
  });

  it("intervals are aligned to the epoch, whenever they are asked", () => {
    const ticks = ticksOf({ everyMs: 30_000 });
    expect(iso(ticks.next(at("2026-01-01T00:00:10Z")) ?? 0)).toBe("2026-01-01T00:00:30.000Z");
    expect(iso(ticks.next(at("2026-01-01T00:00:30Z")) ?? 0)).toBe("2026-01-01T00:01:00.000Z");
    expect(ticks.previous(at("2026-01-01T00:01:00Z"), 2).map(iso)).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:00:30.000Z"]);
  });

  it("a cron's previous ticks include the reference itself", () => {
    const ticks = ticksOf({ cron: "0 12 L * *", timezone: "UTC" });
    expect(ticks.previous(at("2028-02-29T12:00:00Z"), 2).map(iso)).toEqual(["2028-02-29T12:00:00.000Z", "2028-01-31T12:00:00.000Z"]);
  });
});

describe("planTicks", () => {
  const minute = ticksOf({ everyMs: 60_000 });
  const t0 = at("2026-01-01T00:00:00Z");

  it("ticks less than graceMs late are on time; nothing is missed", () => {
    expect(planTicks(minute, t0, t0 + 60_500, 1_000, "once", 10)).toEqual({
      catchUp: [],
      skipped: null,
      lateBound: t0 + 59_500,
      onTime: [t0 + 60_000],
    });
  });

  it("a tick graceMs late or more is missed", () => {
    const plan = planTicks(minute, t0, t0 + 61_000, 1_000, "skip", 10);
    expect(plan).toEqual({ catchUp: [], skipped: { count: 1, latest: t0 + 60_000 }, lateBound: t0 + 60_000, onTime: [] });
  });

  it("once: the latest missed tick is caught up, the others skipped", () => {
    const plan = planTicks(minute, t0, t0 + 10 * 60_000 + 200, 1_000, "once", 10);
    expect(plan.catchUp).toEqual([t0 + 9 * 60_000]);
    expect(plan.skipped).toEqual({ count: 8, latest: t0 + 8 * 60_000 });
    expect(plan.onTime).toEqual([t0 + 10 * 60_000]);
  });

  it("all: up to maxCatchUp of the latest missed ticks, oldest first", () => {
    const plan = planTicks(minute, t0, t0 + 10 * 60_000 + 5_000, 1_000, "all", 3);
    expect(plan.catchUp).toEqual([t0 + 8 * 60_000, t0 + 9 * 60_000, t0 + 10 * 60_000]);
    expect(plan.skipped).toEqual({ count: 7, latest: t0 + 7 * 60_000 });
    expect(planTicks(minute, t0, t0 + 2 * 60_000 + 5_000, 1_000, "all", 3)).toMatchObject({
      catchUp: [t0 + 60_000, t0 + 120_000],
      skipped: null,
    });
  });

  it("a clock stepped back plans nothing until it passes the last tick again", () => {
    expect(planTicks(minute, t0 + 60_000, t0 - 3_600_000, 1_000, "all", 10)).toEqual({
      catchUp: [],
      skipped: null,
      lateBound: t0 + 60_000,
      onTime: [],
    });
  });

  it("a huge gap is counted up to a bound and stays cheap", () => {
    const second = ticksOf({ cron: "* * * * * *", timezone: "UTC" });
    const plan = planTicks(second, t0, t0 + 86_400_000, 1_000, "once", 10);
    expect(plan.catchUp).toEqual([t0 + 86_399_000]);
    expect(plan.skipped?.count).toBe(MAX_COUNTED_MISSED);
  });
});
