import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "./errors.js";
import { checkOptionKeys, durationMsOption, integerOption } from "./options.js";

describe("checkOptionKeys", () => {
  const known = ["concurrency", "leaseMs", "logger"];

  it("accepts known keys, an empty object and no options", () => {
    expect(() => {
      checkOptionKeys({ concurrency: 2, leaseMs: 5 }, known, "createWorker");
    }).not.toThrow();
    expect(() => {
      checkOptionKeys({}, known, "createWorker");
    }).not.toThrow();
    expect(() => {
      checkOptionKeys(undefined, known, "createWorker");
    }).not.toThrow();
  });

  it("rejects a typo, naming it and every valid option", () => {
    const call = (): void => {
      checkOptionKeys({ concurency: 8 }, known, "createWorker");
    };
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow("option `concurency` is not an option of createWorker(); valid options: concurrency, leaseMs, logger");
  });

  it("rejects options that are not an object", () => {
    expect(() => {
      checkOptionKeys(5, known, "createWorker");
    }).toThrow(/`options` of createWorker\(\) must be an object, got 5/);
    expect(() => {
      checkOptionKeys(["a"], known, "createWorker");
    }).toThrow(InvalidOptionError);
  });
});

describe("durationMsOption", () => {
  it("returns the default when absent and the value when valid", () => {
    expect(durationMsOption("leaseMs", undefined, 30_000)).toBe(30_000);
    expect(durationMsOption("leaseMs", 0, 30_000)).toBe(0);
    expect(durationMsOption("leaseMs", Infinity, 1, { infinite: true })).toBe(Infinity);
  });

  it("names the option and the bound", () => {
    expect(() => durationMsOption("leaseMs", -1, 0)).toThrow("option `leaseMs` must be a finite number of milliseconds >= 0, got -1");
    expect(() => durationMsOption("leaseMs", 5, 0, { min: 10, max: 20 })).toThrow(/between 10 and 20, got 5/);
    expect(() => durationMsOption("leaseMs", "5", 0)).toThrow(/must be a number of milliseconds, got 5/);
    expect(() => durationMsOption("leaseMs", Number.NaN, 0)).toThrow(InvalidOptionError);
    expect(() => durationMsOption("leaseMs", Infinity, 0)).toThrow(InvalidOptionError);
  });
});

describe("integerOption", () => {
  it("accepts integers in range and rejects the rest", () => {
    expect(integerOption("concurrency", undefined, 1, 1)).toBe(1);
    expect(integerOption("concurrency", 16, 1, 1)).toBe(16);
    expect(() => integerOption("concurrency", 0, 1, 1)).toThrow(/`concurrency` must be an integer between 1 and/);
    expect(() => integerOption("concurrency", 1.5, 1, 1)).toThrow(InvalidOptionError);
  });
});
