import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { FakeTime } from "../test/fake-time.js";
import { rateLimitOption, TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("starts full, refills max per interval continuously, and never holds more than max", () => {
    const time = new FakeTime();
    const bucket = new TokenBucket({ max: 3, intervalMs: 1_000 }, time);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    expect(bucket.msUntilToken()).toBe(334);
    time.advance(333);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
    time.advance(60_000);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
  });

  it("a wait of msUntilToken always finds a token", () => {
    const time = new FakeTime();
    const bucket = new TokenBucket({ max: 7, intervalMs: 1_000 }, time);
    for (let i = 0; i < 100; i++) {
      if (!bucket.tryTake()) {
        time.advance(bucket.msUntilToken());
        expect(bucket.tryTake()).toBe(true);
      }
    }
  });

  it("a refund gives a token back, up to max", () => {
    const time = new FakeTime();
    const bucket = new TokenBucket({ max: 1, intervalMs: 1_000 }, time);
    expect(bucket.tryTake()).toBe(true);
    bucket.refund();
    bucket.refund();
    expect([bucket.tryTake(), bucket.tryTake()]).toEqual([true, false]);
  });

  it("spreads deferred jobs one token apart", () => {
    const time = new FakeTime();
    const bucket = new TokenBucket({ max: 2, intervalMs: 1_000 }, time);
    bucket.tryTake();
    bucket.tryTake();
    expect([bucket.deferralDelayMs(), bucket.deferralDelayMs(), bucket.deferralDelayMs()]).toEqual([500, 1_000, 1_500]);
    time.advance(5_000);
    expect(bucket.deferralDelayMs()).toBe(0);
  });
});

describe("rateLimitOption", () => {
  it("accepts { max, intervalMs } and refuses the rest, naming the option", () => {
    expect(rateLimitOption("rateLimit", { max: 5, intervalMs: 1_000 })).toEqual({ max: 5, intervalMs: 1_000 });
    expect(rateLimitOption("rateLimit", undefined)).toBeUndefined();
    const bad: [unknown, string][] = [
      [5, "rateLimit"],
      [{ max: 5 }, "rateLimit.intervalMs"],
      [{ intervalMs: 5 }, "rateLimit.max"],
      [{ max: 0, intervalMs: 1_000 }, "rateLimit.max"],
      [{ max: 1.5, intervalMs: 1_000 }, "rateLimit.max"],
      [{ max: 1, intervalMs: 0 }, "rateLimit.intervalMs"],
      [{ max: 1, intervalMs: Number.POSITIVE_INFINITY }, "rateLimit.intervalMs"],
      [{ max: 1, intervalMs: 1_000, duration: 5 }, "duration"],
    ];
    for (const [value, option] of bad) {
      expect(() => rateLimitOption("rateLimit", value), JSON.stringify(value)).toThrow(InvalidOptionError);
      try {
        rateLimitOption("rateLimit", value);
      } catch (error) {
        expect((error as InvalidOptionError).option).toBe(option);
      }
    }
  });
});
