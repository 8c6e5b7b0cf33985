import { describe, expect, it } from "vitest";
import { perfdataValue } from "./nagios.js";
import { parsePerfdata, parseRange, splitPluginOutput } from "./perfdata.js";

describe("parsePerfdata", () => {
  it("parses value, warn and crit thresholds, an empty min and max", () => {
    const { items, errors } = parsePerfdata(" load1=0.300;0.250;0.500;0;");
    expect(errors).toEqual([]);
    expect(items).toHaveLength(1);
    expect(perfdataValue(items[0] ?? ({} as never))).toEqual({
      value: 0.3,
      above: [
        { name: "warning", value: 0.25, severity: "warning" },
        { name: "critical", value: 0.5, severity: "error" },
      ],
      below: [],
      min: 0,
    });
  });

  it("quoted labels with spaces, integer values, units, min and max", () => {
    const { items } = parsePerfdata("'disk usage'=50%;;;0;100");
    expect(items).toEqual([{ label: "disk usage", value: 50, unit: "%", min: 0, max: 100 }]);
    expect(Number.isInteger(items[0]?.value)).toBe(true);
  });

  it("better than DumbProbe: a malformed item is reported and skipped, the others are kept", () => {
    const { items, errors } = parsePerfdata("a=1 b=10:20 c=2s");
    expect(items.map((i) => i.label)).toEqual(["a", "c"]);
    expect(errors).toEqual(["'b': bad value \"10:20\""]);
  });

  it("a number that cannot be represented (1e309, also in min, max and ranges) skips that item only", () => {
    const { items, errors } = parsePerfdata("a=1 b=1e309 c=2;;;0;1e309 d=3;1e400: e=4;~:-1e999 f=-1e309 g=5;;;-1e309 h=6");
    expect(items.map((i) => i.label)).toEqual(["a", "h"]);
    expect(errors).toEqual([
      "'b': value \"1e309\" is out of range",
      "'c': max \"1e309\" is out of range",
      "'d': warn range \"1e400:\" is out of range",
      "'e': warn range \"~:-1e999\" is out of range",
      "'f': value \"-1e309\" is out of range",
      "'g': min \"-1e309\" is out of range",
    ]);
  });

  it("parses negative values, exponents, U (unknown) and every unit of the guidelines", () => {
    const { items, errors } = parsePerfdata("t=-12.5C x=1e3 u=U a=1s b=2ms c=3us d=4% e=5B f=6KB g=7MB h=8GB i=9TB j=10c");
    expect(errors).toEqual([]);
    expect(items.map((i) => [i.label, i.value, i.unit])).toEqual([
      ["t", -12.5, "C"],
      ["x", 1000, ""],
      ["u", null, ""],
      ["a", 1, "s"],
      ["b", 2, "ms"],
      ["c", 3, "us"],
      ["d", 4, "%"],
      ["e", 5, "B"],
      ["f", 6, "KB"],
      ["g", 7, "MB"],
      ["h", 8, "GB"],
      ["i", 9, "TB"],
      ["j", 10, "c"],
    ]);
  });

  it("handles escaped quotes in labels and reports garbage", () => {
    const { items, errors } = parsePerfdata("'it''s'=1 junk 'open=2");
    expect(items).toEqual([{ label: "it's", value: 1, unit: "" }]);
    expect(errors).toEqual(['"junk" is not label=value', 'unterminated quote in "\'open=2"']);
  });

  it("rejects too many fields and bad thresholds", () => {
    expect(parsePerfdata("a=1;2;3;4;5;6").errors).toEqual(["'a': too many fields in \"1;2;3;4;5;6\""]);
    expect(parsePerfdata("a=1;x").errors).toEqual(["'a': bad warn range \"x\""]);
    expect(parsePerfdata("a=1;;20:10").errors).toEqual(["'a': bad crit range \"20:10\""]);
    expect(parsePerfdata("a=1;;;zero").errors).toEqual(["'a': bad min \"zero\""]);
    expect(parsePerfdata("a=.").errors).toEqual(["'a': bad value \".\""]);
  });
});

describe("parseRange", () => {
  it.each([
    ["10", { start: 0, end: 10, inside: false, explicitStart: false }],
    ["10:", { start: 10, end: Number.POSITIVE_INFINITY, inside: false, explicitStart: true }],
    ["~:10", { start: Number.NEGATIVE_INFINITY, end: 10, inside: false, explicitStart: false }],
    ["10:20", { start: 10, end: 20, inside: false, explicitStart: true }],
    ["@10:20", { start: 10, end: 20, inside: true, explicitStart: true }],
    ["@5", { start: 0, end: 5, inside: true, explicitStart: false }],
    ["-5:-1", { start: -5, end: -1, inside: false, explicitStart: true }],
  ])("%s", (text, expected) => {
    expect(parseRange(text)).toEqual({ ...expected, text });
  });

  it.each(["", "@", "a", "20:10", "1:2:3"])("rejects %j", (text) => {
    expect(parseRange(text)).toBeUndefined();
  });

  it("maps ranges to seismometer thresholds: end -> threshold_high, explicit start -> threshold_low, @ -> none", () => {
    const [item] = parsePerfdata("v=5;10:20;~:30").items;
    expect(item && perfdataValue(item)).toEqual({
      value: 5,
      above: [
        { name: "warning", value: 20, severity: "warning" },
        { name: "critical", value: 30, severity: "error" },
      ],
      below: [{ name: "warning", value: 10, severity: "warning" }],
    });
    const [inside] = parsePerfdata("v=5;@10:20").items;
    expect(inside && perfdataValue(inside)).toEqual({ value: 5, above: [], below: [] });
  });
});

describe("splitPluginOutput", () => {
  it("splits text, long text and perfdata spread over several lines", () => {
    const out = splitPluginOutput(
      "DISK OK - free space | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%); | /boot=68MB;88;93;0;98\n/home=69357MB;253404;253409;0;253414\n",
    );
    expect(out).toEqual({
      text: "DISK OK - free space",
      longText: "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);",
      perfdata: "/=2643MB;5948;5958;0;5968  /boot=68MB;88;93;0;98 /home=69357MB;253404;253409;0;253414",
    });
    expect(parsePerfdata(out.perfdata).items.map((i) => i.label)).toEqual(["/", "/boot", "/home"]);
  });

  it("handles output without perfdata or without anything", () => {
    expect(splitPluginOutput("USERS OK - 2 users\n")).toEqual({ text: "USERS OK - 2 users", longText: "", perfdata: "" });
    expect(splitPluginOutput("")).toEqual({ text: "", longText: "", perfdata: "" });
  });
});
