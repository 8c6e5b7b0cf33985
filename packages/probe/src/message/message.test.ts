import { describe, expect, it } from "vitest";
import { InvalidProbeMessageError } from "../errors.js";
import { createMessage } from "./build.js";
import { assertMessage, isMetric, isState, validateMessage } from "./validate.js";

describe("createMessage", () => {
  it("builds the v3 wire form of a value message", () => {
    const message = createMessage({ aspect: "uptime", location: { host: "h" }, value: 1.5, time: 1000 });
    expect(JSON.parse(JSON.stringify(message))).toEqual({
      v: 3,
      time: 1000,
      location: { host: "h" },
      event: { name: "uptime", vset: { value: { value: 1.5 } } },
    });
    expect(isMetric(message)).toBe(true);
    expect(isState(message)).toBe(false);
  });

  it("builds states, comments, intervals and values with units, types, thresholds, min and max", () => {
    const message = createMessage({
      aspect: "disk",
      time: 1234.9,
      state: "warning",
      severity: "warning",
      comment: "filling up",
      intervalMs: 60_000,
      values: {
        used: {
          value: 91,
          unit: "%",
          type: "direct",
          above: [{ name: "warning", value: 90, severity: "warning" }],
          below: [{ name: "low", value: 1, severity: "error" }],
          min: 0,
          max: 100,
        },
        free: null,
        inodes: 12,
      },
    });
    expect(message).toEqual({
      v: 3,
      time: 1234,
      location: {},
      event: {
        name: "disk",
        state: { value: "warning", severity: "warning" },
        comment: "filling up",
        interval: 60,
        vset: {
          used: {
            value: 91,
            unit: "%",
            type: "direct",
            threshold_high: [{ name: "warning", value: 90, severity: "warning" }],
            threshold_low: [{ name: "low", value: 1, severity: "error" }],
            min: 0,
            max: 100,
          },
          free: { value: null },
          inodes: { value: 12 },
        },
      },
    });
  });

  it("defaults time to now, in whole seconds", () => {
    const before = Math.floor(Date.now() / 1000);
    const { time } = createMessage({ aspect: "x", state: "ok" });
    expect(Number.isInteger(time)).toBe(true);
    expect(time).toBeGreaterThanOrEqual(before);
  });

  it("rejects bad input with the reason", () => {
    expect(() => createMessage({ aspect: 5 } as unknown as { aspect: string })).toThrow("invalid message: aspect must be a string");
    expect(() => createMessage({ aspect: "x", severity: "error" })).toThrow("severity needs a state");
    expect(() => createMessage({ aspect: "x", location: { host: 1 } as unknown as Record<string, string> })).toThrow(
      "location.host must be a string",
    );
    expect(() => createMessage({ aspect: "x", value: Number.NaN })).toThrow('event.vset["value"].value must be a finite number or null');
    expect(() => createMessage({ aspect: "x", state: "bad", severity: "fatal" as "error" })).toThrow("event.state.severity");
  });
});

describe("validateMessage", () => {
  const valid = { v: 3, time: 5, location: { host: "h" }, event: { name: "x", state: { value: "ok" } } };

  it("accepts a valid message, extra keys included", () => {
    expect(validateMessage(valid)).toEqual({ valid: true, message: valid });
    expect(validateMessage({ ...valid, extra: true }).valid).toBe(true);
  });

  it.each([
    [null, "expected an object, got null"],
    [[], "expected an object, got a list"],
    ["x", "expected an object, got string"],
    [{ ...valid, v: 2 }, "v must be 3, got 2"],
    [{ ...valid, v: undefined }, "v must be 3, got nothing"],
    [{ ...valid, time: "5" }, "time must be a finite number (Unix seconds)"],
    [{ ...valid, location: [] }, "location must be an object"],
    [{ ...valid, location: { a: 1 } }, "location.a must be a string"],
    [{ ...valid, location: JSON.parse('{"__proto__":"x"}') as unknown }, 'location has the forbidden key "__proto__"'],
    [{ ...valid, event: { name: "" } }, "event.name must be a non-empty string"],
    [{ ...valid, event: { name: "x", state: { value: 1 } } }, "event.state.value must be a string"],
    [
      { ...valid, event: { name: "x", state: { value: "ok", severity: "bad" } } },
      'event.state.severity must be "expected", "warning" or "error"',
    ],
    [{ ...valid, event: { name: "x", vset: { a: { value: "1" } } } }, 'event.vset["a"].value must be a finite number or null'],
    [
      { ...valid, event: { name: "x", vset: { a: { value: 1, type: "weird" } } } },
      'event.vset["a"].type must be "direct", "accumulative" or "differential"',
    ],
    [
      { ...valid, event: { name: "x", vset: { a: { value: 1, threshold_high: [{ name: "w", value: 1, severity: "expected" }] } } } },
      'event.vset["a"].threshold_high[0].severity must be "warning" or "error"',
    ],
    [{ ...valid, event: { name: "x", interval: -1 } }, "event.interval must be a non-negative number"],
  ])("rejects %j: %s", (input, reason) => {
    expect(validateMessage(input)).toEqual({ valid: false, reason });
    expect(() => assertMessage(input)).toThrow(InvalidProbeMessageError);
  });
});

describe("validateMessage: no own __proto__ key reaches a consumer", () => {
  const line = (json: string): unknown => JSON.parse(json) as unknown;
  const head = '"v":3,"time":5,"location":{"host":"h"}';

  it.each([
    [`{${head},"event":{"name":"x"},"__proto__":{"polluted":1}}`, "message"],
    [`{${head},"event":{"name":"x","__proto__":{"polluted":1}}}`, "event"],
    [`{${head},"event":{"name":"x","state":{"value":"ok","__proto__":{"polluted":1}}}}`, "event.state"],
    [`{${head},"event":{"name":"x","vset":{"a":{"value":1,"__proto__":{"polluted":1}}}}}`, 'event.vset["a"]'],
    [
      `{${head},"event":{"name":"x","vset":{"a":{"value":1,"threshold_high":[{"name":"w","value":1,"severity":"error","__proto__":{}}]}}}}`,
      'event.vset["a"].threshold_high[0]',
    ],
    [`{${head},"event":{"name":"x"},"extra":{"deep":[1,{"__proto__":{"polluted":1}}]}}`, "extra.deep[1]"],
  ])("rejects %s (at %s)", (json, where) => {
    const input = line(json);
    expect(validateMessage(input)).toEqual({ valid: false, reason: `${where} has the forbidden key "__proto__"` });
    expect(() => assertMessage(input)).toThrow(InvalidProbeMessageError);
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("walks deep and cyclic extra values without a stack overflow", () => {
    const deep = line(`{${head},"event":{"name":"x"},"extra":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    expect(validateMessage(deep).valid).toBe(true);
    const cyclic: Record<string, unknown> = { v: 3, time: 5, location: {}, event: { name: "x" } };
    cyclic.self = cyclic;
    expect(validateMessage(cyclic).valid).toBe(true);
  });

  it("createMessage keeps a value named __proto__ as a key, so it is refused instead of vanishing", () => {
    const values = line('{"__proto__":1,"ok":2}') as Record<string, number>;
    expect(() => createMessage({ aspect: "x", values })).toThrow('event.vset has the forbidden key "__proto__"');
    expect(() => createMessage({ aspect: "x", location: line('{"__proto__":"h"}') as Record<string, string> })).toThrow(
      'location has the forbidden key "__proto__"',
    );
  });
});
