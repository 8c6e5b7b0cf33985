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
