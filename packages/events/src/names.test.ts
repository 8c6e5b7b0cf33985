import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { Actor } from "./actor.js";
import { InvalidNameError } from "./errors.js";
import { Event } from "./event.js";
import { MAX_AGE_MS } from "./limits.js";
import { streamNameOf } from "./names.js";

const ruleOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidNameError) return error.rule;
    throw error;
  }
  return undefined;
};

describe("walnats linter rules, enforced at construction", () => {
  const noop = (): void => undefined;
  const cases: [string, string, string | undefined][] = [
    ["user-created", "ok", undefined],
    ["counts", "ok", undefined],
    ["a1-b2", "digits and dashes", undefined],
    ["", "empty", "WNS001"],
    ["x".repeat(64), "64 characters", undefined],
    ["x".repeat(65), "65 characters", "WNS002"],
    ["user created", "whitespace", "WNS003"],
    ["user.created", "a dot", "WNS003"],
    ["hello*world", "a star", "WNS003"],
    ["user>", "a '>'", "WNS003"],
    ["user\tcreated", "a tab", "WNS003"],
    ["UserCreated", "camel case", "WNS004"],
    ["user_created", "snake case", "WNS004"],
  ];
  it.each(cases)("event name %j (%s) -> %s", (name, _why, rule) => {
    expect(ruleOf(() => Event(name))).toBe(rule);
  });
  it.each(cases)("actor name %j (%s) -> the actor code (+20)", (name, _why, rule) => {
    const event = Event("ok");
    const expected = rule === undefined ? undefined : `WNS0${Number(rule.slice(3)) + 20}`;
    expect(ruleOf(() => Actor(name, event, noop))).toBe(expected);
  });
  it("checks descriptions: empty (WNS005/025) and longer than 4 KiB (WNS006/026)", () => {
    expect(ruleOf(() => Event("e", { description: "" }))).toBe("WNS005");
    expect(ruleOf(() => Event("e", { description: "x".repeat(4097) }))).toBe("WNS006");
    expect(ruleOf(() => Event("e", { description: "x".repeat(4096) }))).toBeUndefined();
    const event = Event("e");
    expect(ruleOf(() => Actor("a", event, noop, { description: "" }))).toBe("WNS025");
    expect(ruleOf(() => Actor("a", event, noop, { description: "x".repeat(4097) }))).toBe("WNS026");
  });
  it("names the rule and the name in the message", () => {
    expect(() => Event("hello*world")).toThrow(/WNS003: event name "hello\*world" has invalid symbols/);
  });
});

describe("limits (WNS011, WNS012)", () => {
  it("rejects a negative or zero limit, naming it", () => {
    expect(() => Event("e", { limits: { ageMs: -10 } })).toThrow(InvalidOptionError);
    expect(() => Event("e", { limits: { ageMs: -10 } })).toThrow(/`limits.ageMs` must be a positive number \(WNS011\)/);
    expect(() => Event("e", { limits: { consumers: 0 } })).toThrow(/limits.consumers/);
    expect(() => Event("e", { limits: { messages: 1.5 } })).toThrow(/limits.messages/);
  });
  it("rejects an age that is not in milliseconds", () => {
    expect(() => Event("e", { limits: { ageMs: MAX_AGE_MS } })).toThrow(/WNS012/);
    expect(Event("e", { limits: { ageMs: MAX_AGE_MS - 1 } }).limits.ageMs).toBe(MAX_AGE_MS - 1);
  });
  it("rejects unknown limit names", () => {
    expect(() => Event("e", { limits: { maxAgeMs: 5 } as never })).toThrow(/limits.maxAge/);
  });
  it("keeps a frozen copy", () => {
    const limits = { ageMs: 1000 };
    const event = Event("e", { limits });
    limits.ageMs = 5;
    expect(event.limits).toEqual({ ageMs: 1000 });
    expect(Object.isFrozen(event.limits)).toBe(true);
  });
});

describe("stream names", () => {
  it("map dots to dashes (walnats); validated names are their own stream name", () => {
    expect(streamNameOf("user.created")).toBe("user-created");
    expect(Event("user-created").streamName).toBe("user-created");
    expect(Event("user-created").subject).toBe("user-created");
  });
});

describe('names: "walnats" accepts what walnats accepts at runtime', () => {
  const noop = (): void => undefined;
  it.each([
    ["user.created", "user-created"],
    ["UserCreated", "UserCreated"],
    ["user_created.v2", "user_created-v2"],
    ["x".repeat(255), "x".repeat(255)],
  ])("event %j -> stream %j", (name, stream) => {
    const event = Event(name, { names: "walnats" });
    expect(event.subject).toBe(name);
    expect(event.streamName).toBe(stream);
  });
  it.each([
    ["", "WNS001"],
    ["x".repeat(256), "WNS002"],
    ["user created", "WNS003"],
    ["user.*", "WNS003"],
    ["user.>", "WNS003"],
    [".user", "WNS003"],
    ["user..created", "WNS003"],
    ["user.", "WNS003"],
    ["a/b", "WNS003"],
    ["a\\b", "WNS003"],
    ["a\u0000b", "WNS003"],
  ])("event %j is still refused (%s)", (name, rule) => {
    expect(ruleOf(() => Event(name, { names: "walnats" }))).toBe(rule);
  });
  it("actors get capitals and underscores, never a dot (NATS refuses it in a consumer name)", () => {
    const event = Event("user.created", { names: "walnats" });
    expect(Actor("Send_Email", event, noop, { names: "walnats" }).name).toBe("Send_Email");
    expect(ruleOf(() => Actor("send.email", event, noop, { names: "walnats" }))).toBe("WNS023");
    expect(ruleOf(() => Actor("Send_Email", event, noop))).toBe("WNS024");
  });
  it("is an explicit choice: the default stays strict, and an unknown value is refused", () => {
    expect(ruleOf(() => Event("user.created"))).toBe("WNS003");
    expect(() => Event("ok", { names: "loose" as "walnats" })).toThrow(InvalidOptionError);
  });
});
