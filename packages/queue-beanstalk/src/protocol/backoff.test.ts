import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff.js";

const options = { initialDelayMs: 100, maxDelayMs: 2_000 };

describe("reconnectDelay", () => {
  it("doubles per attempt up to the maximum (upper end of the jitter)", () => {
    const top = (attempt: number): number => reconnectDelay(attempt, options, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6, 7, 30, 1_000].map(top)).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000, 2_000]);
  });

  it("never goes below half of the step (lower end of the jitter)", () => {
    const bottom = (attempt: number): number => reconnectDelay(attempt, options, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(bottom)).toEqual([50, 100, 200, 400, 800, 1_000]);
  });

  it("spreads a crowd of reconnecting clients over the window", () => {
    const values = [0, 0.25, 0.5, 0.75].map((r) => reconnectDelay(3, options, () => r));
    expect(values).toEqual([200, 250, 300, 350]);
  });

  it("treats attempt 0 or below as the first attempt", () => {
    expect(reconnectDelay(0, options, () => 0.5)).toBe(75);
    expect(reconnectDelay(-3, options, () => 0.5)).toBe(75);
  });
});
