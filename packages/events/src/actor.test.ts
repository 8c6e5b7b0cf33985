import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import {
  Actor,
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_ACTOR_MAX_JOBS,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_MAX_ACK_PENDING,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PRIORITY,
  DEFAULT_PULSE,
  DEFAULT_RETRY_DELAYS_MS,
} from "./actor.js";
import { Actors, consumerConfigOf } from "./actors.js";
import { Event } from "./event.js";

const EVENT = Event<number>("numbers");
const noop = (): void => undefined;

describe("Actor", () => {
  it("has documented, finite defaults", () => {
    const actor = Actor("count", EVENT, noop);
    expect(actor).toMatchObject({
      ackWaitMs: DEFAULT_ACK_WAIT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      maxAckPending: DEFAULT_MAX_ACK_PENDING,
      maxJobs: DEFAULT_ACTOR_MAX_JOBS,
      jobTimeoutMs: DEFAULT_JOB_TIMEOUT_MS,
      retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
      pulse: DEFAULT_PULSE,
      priority: DEFAULT_PRIORITY,
      middlewares: [],
    });
    expect([DEFAULT_MAX_ATTEMPTS, DEFAULT_ACK_WAIT_MS, DEFAULT_JOB_TIMEOUT_MS].every(Number.isFinite)).toBe(true);
    expect(Object.isFrozen(actor)).toBe(true);
  });

  it.each([
    ["ackWaitMs", { ackWaitMs: 0 }],
    ["ackWaitMs", { ackWaitMs: Number.NaN }],
    ["maxAttempts", { maxAttempts: 0 }],
    ["maxAttempts", { maxAttempts: 1.5 }],
    ["maxAttempts", { maxAttempts: Number.POSITIVE_INFINITY }],
    ["maxAckPending", { maxAckPending: -1 }],
    ["maxJobs", { maxJobs: 0 }],
    ["jobTimeoutMs", { jobTimeoutMs: -5 }],
    ["retryDelaysMs", { retryDelaysMs: [100, -1] }],
    ["retryDelaysMs", { retryDelaysMs: "100" }],
    ["ackWait", { ackWait: 1_000 }],
    ["priority", { priority: "urgent" }],
    ["pulse", { pulse: "yes" }],
    ["middlewares", { middlewares: {} }],
  ])("refuses a bad %s, naming it", (option, options) => {
    let caught: unknown;
    try {
      Actor("count", EVENT, noop, options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).option).toBe(option);
  });

  it("refuses options that are not an object", () => {
    expect(() => Actor("count", EVENT, noop, null as never)).toThrow(/`options` of Actor\(\) must be an object/);
    expect(() => Event("e", "json" as never)).toThrow(/`options` of Event\(\) must be an object/);
  });

  it("refuses a handler that is not a function and an event not made by Event()", () => {
    expect(() => Actor("count", EVENT, "nope" as never)).toThrow(/`handler`/);
    expect(() => Actor("count", { name: "numbers" } as never, noop)).toThrow(/`event`/);
  });

  it("keeps frozen copies: changing the caller's lists later changes nothing", () => {
    const retryDelaysMs = [100, 200];
    const middlewares = [{}];
    const actor = Actor("count", EVENT, noop, { retryDelaysMs, middlewares });
    retryDelaysMs.push(300);
    middlewares.pop();
    expect(actor.retryDelaysMs).toEqual([100, 200]);
    expect(actor.middlewares).toHaveLength(1);
    expect(Object.isFrozen(actor.retryDelaysMs)).toBe(true);
  });

  it("maps to a durable pull consumer: explicit acks, deliver all, attempts counted by the actor", () => {
    const actor = Actor("count", EVENT, noop, { ackWaitMs: 3_000, maxAckPending: 7, description: "counts numbers" });
    expect(consumerConfigOf(actor)).toMatchObject({
      durable_name: "count",
      ack_policy: "explicit",
      deliver_policy: "all",
      ack_wait: 3_000_000_000,
      max_ack_pending: 7,
      max_deliver: -1,
      description: "counts numbers",
    });
  });
});

describe("Actors", () => {
  it("needs at least one actor, made by Actor(), unique per event; get() finds by name", () => {
    expect(() => Actors()).toThrow(/`actors` needs at least one actor/);
    expect(() => Actors({} as never)).toThrow(/must be created with Actor\(\)/);
    expect(() => Actors(Actor("a", EVENT, noop), Actor("a", EVENT, noop))).toThrow(/two actors named "a" on event "numbers"/);
    const other = Event<string>("strings");
    const actors = Actors(Actor("a", EVENT, noop), Actor("a", other, noop), Actor("b", EVENT, noop));
    expect(actors.get("b")?.name).toBe("b");
    expect(actors.get("a")?.event.name).toBe("numbers");
    expect([...actors].map((a) => `${a.event.name}/${a.name}`)).toEqual(["numbers/a", "strings/a", "numbers/b"]);
  });
});
