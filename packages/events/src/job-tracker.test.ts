import { describe, expect, it } from "vitest";
import { memoryLogger } from "../test/fakes.js";
import { Actor } from "./actor.js";
import { Event } from "./event.js";
import { ActorJobs, RunningJobs } from "./job-tracker.js";

const actor = Actor("a", Event<number>("numbers"), () => undefined);

describe("ActorJobs / RunningJobs", () => {
  it("counts jobs off as they end and wakes whoever waits for idle", async () => {
    const running = new RunningJobs();
    const outcomes: string[] = [];
    const jobs = new ActorJobs(actor, running, memoryLogger(), (_actor, outcome) => outcomes.push(outcome));
    let finish!: (outcome: "acked") => void;
    jobs.track(new Promise((resolve) => (finish = resolve)));
    jobs.track(Promise.resolve("retried"));
    expect(running.size).toBe(2);
    const idle = running.idle();
    await Promise.resolve();
    expect(running.size).toBe(1);
    finish("acked");
    await idle;
    expect(running.size).toBe(0);
    expect(outcomes).toEqual(["retried", "acked"]);
  });

  it("logs a job that crashed with its actor and the error, and still counts it off", async () => {
    const running = new RunningJobs();
    const logger = memoryLogger();
    const jobs = new ActorJobs(actor, running, logger, undefined);
    jobs.track(Promise.reject(new Error("our bug")));
    await running.idle();
    expect(logger.lines.map((l) => [l.level, l.message, l.fields.actor, l.fields.error])).toEqual([
      ["error", "job crashed", actor.name, "Error: our bug"],
    ]);
  });
});
