import { describe, expect, it } from "vitest";
import { compare, parseTarget } from "./compare.js";
import { percentile } from "./measure.js";

describe("compare", () => {
  it("computes ours / baseline and checks a minimum target", () => {
    const lines: string[] = [];
    const result = compare({ name: "codec", unit: "msg/s", ours: 600, baseline: 1000, baselineName: "JSON", target: ">= 0.5" }, (line) =>
      lines.push(line),
    );
    expect(result.ratio).toBeCloseTo(0.6);
    expect(result.met).toBe(true);
    expect(lines).toEqual(["codec: ours 600 msg/s, JSON 1,000 msg/s, ratio 0.60x (target >= 0.5: met)"]);
  });

  it("reports a missed maximum target", () => {
    const result = compare(
      { name: "cpu", unit: "ms", ours: 200, baseline: 100, baselineName: "setInterval", target: "<= 1.5" },
      () => undefined,
    );
    expect(result.met).toBe(false);
  });

  it("parses targets", () => {
    expect(parseTarget(">= 0.8")).toEqual({ op: ">=", bound: 0.8 });
    expect(parseTarget("<= 2")).toEqual({ op: "<=", bound: 2 });
  });

  it("percentile uses nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});
