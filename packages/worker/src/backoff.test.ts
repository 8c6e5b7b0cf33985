import { InvalidOptionError } from "@x/core";
import { createMessage } from "@x/message";
import { describe, expect, it } from "vitest";
import { type BackoffStrategy, backoffDelay, DEFAULT_BACKOFF, normalizeBackoff } from "./backoff.js";

const message = createMessage({ requestType: "x" });
const delays = (strategy: BackoffStrategy, attempts: number, random = () => 0): number[] =>
  Array.from({ length: attempts }, (_, i) => backoffDelay(strategy, { attempt: i + 1, error: new Error("e"), message }, random));

describe("backoffDelay", () => {
  it("fixed: the same delay after every failure", () => {
    expect(delays({ type: "fixed", delayMs: 250 }, 4)).toEqual([250, 250, 250, 250]);
  });

  it("list: delay after failure #k is delaysMs[k-1], the last one repeats (no walnats off-by-one)", () => {
    expect(delays({ type: "list", delaysMs: [4, 5, 6] }, 5)).toEqual([4, 5, 6, 6, 6]);
  });

  it("exponential without jitter doubles from delayMs and stops at the cap", () => {
    const strategy = normalizeBackoff({ type: "exponential", delayMs: 100, maxDelayMs: 1_000, jitter: 0 });
    expect(delays(strategy, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("exponential honours factor", () => {
    expect(delays({ type: "exponential", delayMs: 10, factor: 3, jitter: 0 }, 4)).toEqual([10, 30, 90, 270]);
  });

  it("jitter removes up to its fraction of the delay, driven by the random source", () => {
    const strategy: BackoffStrategy = { type: "exponential", delayMs: 1_000, jitter: 0.5 };
    expect(delays(strategy, 1, () => 0)).toEqual([1_000]);
    expect(delays(strategy, 1, () => 0.5)).toEqual([750]);
    expect(delays(strategy, 1, () => 0.999_999)).toEqual([500]);
  });

  it("the default is exponential from 1 s with 20 % jitter and a 5 minute cap", () => {
    expect(delays(DEFAULT_BACKOFF, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(delays(DEFAULT_BACKOFF, 4, () => 0.999_999)).toEqual([800, 1_600, 3_200, 6_400]);
    expect(backoffDelay(DEFAULT_BACKOFF, { attempt: 30, error: null, message }, () => 0)).toBe(300_000);
  });

  it("a function gets the failed attempt, the error and the message", () => {
    const error = new Error("boom");
    const seen: unknown[] = [];
    const strategy: BackoffStrategy = (context) => {
      seen.push(context);
      return context.attempt * 7;
    };
    expect(backoffDelay(strategy, { attempt: 3, error, message })).toBe(21);
    expect(seen).toEqual([{ attempt: 3, error, message }]);
  });

  it("a function returning a bad delay throws InvalidOptionError", () => {
    expect(() => backoffDelay(() => -1, { attempt: 1, error: null, message })).toThrow(InvalidOptionError);
    expect(() => backoffDelay(() => Number.NaN, { attempt: 1, error: null, message })).toThrow(/finite number/);
  });
});

describe("normalizeBackoff", () => {
  it.each<[string, unknown, string]>([
    ["negative fixed delay", { type: "fixed", delayMs: -1 }, "backoff.delayMs"],
    ["unknown type", { type: "linear", delayMs: 1 }, "backoff.type"],
    ["factor below 1", { type: "exponential", delayMs: 1, factor: 0.5 }, "backoff.factor"],
    ["jitter above 1", { type: "exponential", delayMs: 1, jitter: 2 }, "backoff.jitter"],
    ["infinite cap", { type: "exponential", delayMs: 1, maxDelayMs: Infinity }, "backoff.maxDelayMs"],
    ["empty list", { type: "list", delaysMs: [] }, "backoff.delaysMs"],
    ["bad list entry", { type: "list", delaysMs: [1, "2"] }, "backoff.delaysMs[1]"],
    ["not an object", 5, "backoff"],
    ["null", null, "backoff"],
  ])("rejects %s, naming the option", (_name, strategy, option) => {
    let caught: unknown;
    try {
      normalizeBackoff(strategy as BackoffStrategy);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).option).toBe(option);
  });

  it("fills in defaults on a frozen copy and leaves the caller's object alone", () => {
    const mine = { type: "exponential" as const, delayMs: 5 };
    const normalized = normalizeBackoff(mine);
    expect(normalized).toEqual({ type: "exponential", delayMs: 5, factor: 2, maxDelayMs: 300_000, jitter: 0.2 });
    expect(Object.isFrozen(normalized)).toBe(true);
    expect(mine).toEqual({ type: "exponential", delayMs: 5 });
  });
});
