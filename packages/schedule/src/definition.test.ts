import { InvalidOptionError } from "@x/core";
import { createMemoryQueue } from "@x/message";
import { describe, expect, it } from "vitest";
import { defineSchedule, MAX_SCHEDULE_NAME_LENGTH } from "./definition.js";
import { InvalidScheduleError } from "./errors.js";
import { startSchedules } from "./scheduler.js";

function problem(definition: unknown): InvalidScheduleError {
  try {
    startSchedules(createMemoryQueue(), [definition as never]);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return error as InvalidScheduleError;
  }
  throw new Error("no error");
}

describe("bad schedules fail at construction, naming the problem", () => {
  it("an invalid cron expression", () => {
    const error = problem({ name: "nightly", cron: "61 3 * * *", job: {} });
    expect(error).toMatchObject({ code: "ERR_X_SCHEDULE_INVALID", schedule: '"nightly"', field: "cron" });
    expect(error.message).toBe('schedule "nightly": `cron` "61 3 * * *" is not a valid cron expression: Invalid value for minute: 61');
    expect(problem({ name: "n", cron: "* * *", job: {} }).message).toMatch(/exactly five, six, or seven/);
    // Seven fields would be a year: not accepted, so that a typo does not pin a schedule to one year.
    expect(problem({ name: "n", cron: "0 0 0 * * * 2030", job: {} }).message).toMatch(/requires exactly 5 or 6 parts/);
    expect(problem({ name: "n", cron: "", job: {} }).field).toBe("cron");
  });

  it("an unknown time zone (which croner would silently read as the local one)", () => {
    const error = problem({ name: "nightly", cron: "0 3 * * *", timezone: "Europe/Berlinn", job: {} });
    expect(error.field).toBe("timezone");
    expect(error.message).toBe('schedule "nightly": `timezone` must be an IANA time zone such as "Europe/Berlin", got Europe/Berlinn');
    expect(problem({ name: "n", everyMs: 1_000, timezone: "UTC", job: {} }).field).toBe("timezone");
  });

  it("exactly one of cron and everyMs", () => {
    expect(problem({ name: "n", job: {} }).message).toMatch(/exactly one of them/);
    expect(problem({ name: "n", cron: "* * * * *", everyMs: 1_000, job: {} }).message).toMatch(/exactly one of them/);
    expect(problem({ name: "n", everyMs: 99, job: {} }).message).toMatch(
      /everyMs` must be an integer number of milliseconds >= 100, got 99/,
    );
    expect(problem({ name: "n", everyMs: 1.5e3 + 0.5, job: {} }).field).toBe("everyMs");
  });

  it("a name that cannot form a message id", () => {
    expect(problem({ name: "nightly report", cron: "0 3 * * *", job: {} })).toMatchObject({ schedule: "#0", field: "name" });
    expect(problem({ name: "-x", cron: "0 3 * * *", job: {} }).field).toBe("name");
    expect(problem({ name: "x".repeat(MAX_SCHEDULE_NAME_LENGTH + 1), cron: "0 3 * * *", job: {} }).field).toBe("name");
    expect(() => defineSchedule({ name: "x".repeat(MAX_SCHEDULE_NAME_LENGTH), everyMs: 1000, job: {} })).not.toThrow();
  });

  it("a job that sets what the scheduler sets, unknown fields, bad policies", () => {
    expect(problem({ name: "n", everyMs: 1_000, job: { id: "mine" } }).field).toBe("job.id");
    expect(problem({ name: "n", everyMs: 1_000, job: { delayMs: 5 } }).field).toBe("job.delayMs");
    expect(problem({ name: "n", everyMs: 1_000, job: "mail" }).field).toBe("job");
    expect(problem({ name: "n", every: 1_000, job: {} }).message).toMatch(/`every` is not a field of a schedule; valid fields: name, cron/);
    expect(problem({ name: "n", everyMs: 1_000, job: {}, missed: "never" }).field).toBe("missed");
    expect(problem({ name: "n", everyMs: 1_000, job: {}, missed: "all", maxCatchUp: 0 }).field).toBe("maxCatchUp");
  });

  it("two schedules with one name", () => {
    expect(() =>
      startSchedules(createMemoryQueue(), [defineSchedule({ name: "a", everyMs: 1_000, job: {} }), { name: "a", everyMs: 2_000, job: {} }]),
    ).toThrow(/"a": `name` is used by two schedules/);
  });

  it("defineSchedule checks at once and returns the definition as it is", () => {
    const nightly = { name: "nightly", cron: "0 3 * * *", timezone: "Europe/Berlin", job: { requestType: "report" } } as const;
    expect(defineSchedule(nightly)).toBe(nightly);
    expect(() => defineSchedule({ name: "n", cron: "0 25 * * *", job: {} })).toThrow(InvalidScheduleError);
  });

  it("options are checked: unknown keys listed, durations bounded", () => {
    const queue = createMemoryQueue();
    expect(() => startSchedules(queue, [], { grace: 5 } as never)).toThrow(
      /`grace` is not an option of startSchedules\(\); valid options: graceMs, leader, logger, signal, stateDir, time/,
    );
    expect(() => startSchedules(queue, [], { graceMs: 1 })).toThrow(InvalidOptionError);
    expect(() => startSchedules(queue, [], { stateDir: "" })).toThrow(/stateDir/);
  });
});
