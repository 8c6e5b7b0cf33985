import { describe, expect, it } from "vitest";
import { InvalidScheduleError } from "./errors.js";
import { upcomingTicks } from "./upcoming.js";

describe("upcomingTicks", () => {
  it("lists the next ticks after a date, exclusive", () => {
    const nightly = { name: "nightly", cron: "0 3 * * *", timezone: "Europe/Berlin", job: {} } as const;
    expect(upcomingTicks(nightly, 2, new Date("2026-03-28T02:00:00Z")).map((d) => d.toISOString())).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T01:00:00.000Z",
    ]);
    expect(upcomingTicks({ name: "s", everyMs: 30_000, job: {} }, 1, new Date("2026-01-01T00:00:30Z"))).toEqual([
      new Date("2026-01-01T00:01:00Z"),
    ]);
    expect(upcomingTicks({ name: "past", cron: "0 0 1 1 *", job: {} }, 0)).toEqual([]);
    expect(() => upcomingTicks({ name: "bad", cron: "0 0 32 * *", job: {} }, 1)).toThrow(InvalidScheduleError);
  });
});
