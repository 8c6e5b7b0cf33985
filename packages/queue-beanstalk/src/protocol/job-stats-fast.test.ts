import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readJobStatsFast } from "./job-stats-fast.js";
import { parseJobStatsFields } from "./stats.js";

/** What beanstalkd 1.12 writes for `stats-job`. */
const canonical = (values: Partial<Record<string, string>> = {}): string =>
  `---\n${[
    ["id", "42"],
    ["tube", "emails"],
    ["state", "reserved"],
    ["pri", "65536"],
    ["age", "3"],
    ["delay", "0"],
    ["ttr", "60"],
    ["time-left", "59"],
    ["file", "0"],
    ["reserves", "2"],
    ["timeouts", "1"],
    ["releases", "0"],
    ["buries", "0"],
    ["kicks", "0"],
  ]
    .map(([key, value]) => `${String(key)}: ${values[String(key)] ?? String(value)}\n`)
    .join("")}`;

const general = (text: string): unknown => {
  try {
    return parseJobStatsFields(Buffer.from(text, "latin1"));
  } catch (err) {
    return err;
  }
};

describe("readJobStatsFast", () => {
  it("reads beanstalkd's layout as the general reader does", () => {
    for (const values of [{}, { "time-left": "-3", tube: "a.b-c_d(1)" }, { state: "buried", pri: "4294967295" }, { id: "007" }]) {
      const text = canonical(values);
      const fast = readJobStatsFast(Buffer.from(text, "latin1"));
      expect(fast).toBeDefined();
      expect(fast).toEqual(general(text));
    }
  });

  it("leaves anything else to the general reader", () => {
    for (const text of [
      canonical({ tube: " spaced" }),
      canonical({ pri: "1e3" }),
      canonical({ state: "lost" }),
      canonical({ id: "1234567890123456" }),
      canonical().replace("pri: ", "pri:  "),
      canonical().replace("---\n", ""),
      `${canonical()}extra: 1\n`,
      canonical().slice(0, -1),
    ]) {
      expect(readJobStatsFast(Buffer.from(text, "latin1"))).toBeUndefined();
    }
  });

  it("answers what the general reader answers, or nothing, for mutated bodies (property)", () => {
    fc.assert(
      fc.property(fc.nat({ max: 400 }), fc.string({ maxLength: 6 }), fc.nat({ max: 6 }), (at, insert, cut) => {
        const base = canonical();
        const position = at % base.length;
        const text = base.slice(0, position) + insert + base.slice(position + cut);
        const fast = readJobStatsFast(Buffer.from(text, "latin1"));
        if (fast !== undefined) expect(fast).toEqual(general(text));
      }),
      { numRuns: 2000, seed: 22 },
    );
  });
});
