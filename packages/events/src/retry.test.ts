import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_DELAYS_MS } from "./actor.js";
import { attemptOf, retryDelayFor } from "./retry.js";

describe("retryDelayFor: retryDelaysMs[k] is the delay after failure k+1", () => {
  it.each([
    // attempt (1-based) -> delay; walnats would give 5, 6, 6, 6 for attempts 1..4 (index = delivery count)
    [1, 4],
    [2, 5],
    [3, 6],
    [4, 6],
    [14, 6],
  ])("[4,5,6] after attempt %i -> %i", (attempt, delay) => {
    expect(retryDelayFor(attempt, [4, 5, 6])).toBe(delay);
  });
  it("an empty list means no delay", () => {
    expect(retryDelayFor(1, [])).toBe(0);
    expect(retryDelayFor(3, [])).toBe(0);
  });
  it("with the defaults and 5 attempts, the handler starts at 0, 0.5, 1.5, 3.5 and 7.5 s", () => {
    const starts = [0];
    for (let attempt = 1; attempt < 5; attempt++) starts.push((starts.at(-1) ?? 0) + retryDelayFor(attempt, DEFAULT_RETRY_DELAYS_MS));
    expect(starts).toEqual([0, 500, 1_500, 3_500, 7_500]);
  });
});

describe("attemptOf: delay bounces are not attempts", () => {
  const stored = 1_000;
  it.each([
    // deliveryCount, delayUntil, expected attempt
    [1, undefined, 1],
    [3, undefined, 3],
    [1, stored + 500, 1], // the bounce itself never runs the handler
    [2, stored + 500, 1], // first real run after the bounce
    [3, stored + 500, 2],
    [2, stored - 10, 2], // delay already over when stored: never bounced
    [2, stored, 2],
  ])("deliveryCount %i, delayUntil %s -> attempt %i", (count, delayUntil, attempt) => {
    expect(attemptOf(count, delayUntil, stored)).toBe(attempt);
  });
});
