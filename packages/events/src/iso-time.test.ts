import { describe, expect, it } from "vitest";
import { formatPythonIsoTime, parseIsoTime } from "./iso-time.js";

describe("parseIsoTime", () => {
  it.each([
    // What Python's isoformat() writes (walnats' payloads and ce-time), then toISOString().
    ["2024-01-02T03:04:05.678901+00:00", "2024-01-02T03:04:05.678Z"],
    ["2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05.000Z"],
    ["2024-01-02T05:04:05.500+02:00", "2024-01-02T03:04:05.500Z"],
    ["2024-01-01T22:04:05-05:00", "2024-01-02T03:04:05.000Z"],
    ["2024-01-02T03:04:05", "2024-01-02T03:04:05.000Z"], // naive: UTC
    ["2024-01-02 03:04:05.1", "2024-01-02T03:04:05.100Z"],
    ["2024-01-02", "2024-01-02T00:00:00.000Z"],
    ["2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05.678Z"],
  ])("reads %s", (text, expected) => {
    expect(parseIsoTime(text)?.toISOString()).toBe(expected);
  });

  it.each(["soon", "", "2024-13-01", "2024-02-30T00:00:00", "2024-01-02T25:00:00", "1733436000.5", "2024-01-02T03:04:05+0"])(
    "refuses %j",
    (text) => {
      expect(parseIsoTime(text)).toBeUndefined();
    },
  );
});

describe("formatPythonIsoTime", () => {
  it("writes Python's isoformat() of an aware UTC datetime", () => {
    expect(formatPythonIsoTime(new Date("2024-01-02T03:04:05.678Z"))).toBe("2024-01-02T03:04:05.678000+00:00");
    expect(formatPythonIsoTime(new Date("2024-01-02T03:04:05Z"))).toBe("2024-01-02T03:04:05+00:00");
    expect(formatPythonIsoTime(new Date("2024-01-02T03:04:05.007Z"))).toBe("2024-01-02T03:04:05.007000+00:00");
  });
  it("round-trips through parseIsoTime", () => {
    const at = new Date(1_733_436_000_123);
    expect(parseIsoTime(formatPythonIsoTime(at))).toEqual(at);
  });
});
