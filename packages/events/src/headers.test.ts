import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { HEADER_MATRIX } from "../test/header-matrix.js";
import { CloudEvent, cloudEventHeaders, readCloudEvent } from "./cloud-event.js";
import { buildHeaders, delayUntilOf, MAX_DELAY_MS, parseDelayUntil, parseWalnatsDelay } from "./headers.js";

describe("emit headers", () => {
  it.each(HEADER_MATRIX)("%s", (_name, options, expected) => {
    // No headers at all is `undefined`: the message then carries none (walnats' `headers is None`).
    expect(buildHeaders(options)).toEqual(Object.keys(expected).length === 0 ? undefined : expected);
  });

  it("writes the delay as integer epoch milliseconds", () => {
    expect(buildHeaders({ delayUntilEpochMs: 1_700_000_000_123.4 })).toEqual({
      "Walnats-Delay-Until": "1700000000123",
      "Walnats-Delay": "1700000000.123",
    });
  });

  it("rejects headers that NATS cannot carry or that emit owns", () => {
    expect(() => buildHeaders({ meta: { "bad key": "x" } })).toThrow(InvalidOptionError);
    expect(() => buildHeaders({ meta: { "a:b": "x" } })).toThrow(/meta.a:b/);
    expect(() => buildHeaders({ meta: { ok: "line\nbreak" } })).toThrow(/line breaks/);
    expect(() => buildHeaders({ meta: { "nats-msg-id": "x" } })).toThrow(/set by emit's own options/);
    expect(() => buildHeaders({ uid: "" })).toThrow(/`uid` must not be empty/);
  });

  it("parses the delay header strictly: anything but epoch ms within MAX_DELAY_MS is ignored", () => {
    const now = 1_700_000_000_000;
    expect(parseDelayUntil("1700000000123", now)).toBe(1_700_000_000_123);
    expect(parseDelayUntil(undefined, now)).toBeUndefined();
    // A foreign publisher's values: never a delay, so never a bounce loop.
    for (const value of ["soon", "", "1e300", "-5", "12.5", " 1700000000123", "0x10", "99999999999999999"]) {
      expect(parseDelayUntil(value, now), value).toBeUndefined();
    }
    expect(parseDelayUntil(String(now + MAX_DELAY_MS), now)).toBe(now + MAX_DELAY_MS);
    expect(parseDelayUntil(String(now + MAX_DELAY_MS + 1), now)).toBeUndefined();
    expect(parseDelayUntil("5", now)).toBe(5); // long past: due at once
  });
});

describe("walnats' delay header", () => {
  const now = 1_700_000_000_000;
  it("reads Walnats-Delay (float epoch seconds, Python's str(float)) into epoch ms", () => {
    expect(parseWalnatsDelay("1700000003.0", now)).toBe(now + 3_000);
    expect(parseWalnatsDelay("1700000003.1234567", now)).toBe(now + 3_123);
    expect(parseWalnatsDelay("1700000003", now)).toBe(now + 3_000);
    for (const value of ["soon", "", "1e300", "1.7e+20", "-5.0", "nan", "inf", " 1700000003.0"]) {
      expect(parseWalnatsDelay(value, now), value).toBeUndefined();
    }
  });
  it("prefers our exact Walnats-Delay-Until when both are there, else walnats' own", () => {
    expect(delayUntilOf({ "Walnats-Delay-Until": String(now + 5), "Walnats-Delay": "1700000009.0" }, now)).toBe(now + 5);
    expect(delayUntilOf({ "Walnats-Delay": "1700000009.0" }, now)).toBe(now + 9_000);
    expect(delayUntilOf({}, now)).toBeUndefined();
  });
  it("refuses to let meta set the delay or reply headers", () => {
    expect(() => buildHeaders({ meta: { "walnats-delay": "1" } })).toThrow(/set by emit's own options/);
    expect(() => buildHeaders({ meta: { "Walnats-Reply": "x" } })).toThrow(/set by emit's own options/);
  });
});

describe("CloudEvent", () => {
  it("is read back from ce-* headers, walnats' time formats included", () => {
    const walnats = { "ce-id": "1", "ce-source": "s", "ce-type": "t", "ce-specversion": "1.0", "ce-sampledrate": "4" };
    expect(readCloudEvent({ ...walnats, "ce-time": "2024-01-02T03:04:05.678901" })?.time).toEqual(new Date("2024-01-02T03:04:05.678Z"));
    expect(readCloudEvent({ ...walnats, "ce-time": "2024-01-02T04:04:05+01:00" })?.time).toEqual(new Date("2024-01-02T03:04:05Z"));
    expect(readCloudEvent({ ...walnats, "ce-time": "later" })?.time).toBeUndefined();
    expect(readCloudEvent(walnats)?.sampledrate).toBe(4);
    expect(readCloudEvent({ "ce-id": "1", "ce-source": "s" })).toBeUndefined();
    const ours = CloudEvent({ id: "2", source: "s", type: "t", time: new Date(1_733_436_000_123) });
    expect(readCloudEvent(cloudEventHeaders(ours))).toEqual(ours);
  });
  it("writes ce-* headers, a time as RFC 3339 UTC in Python's isoformat(), and drops missing fields", () => {
    const event = CloudEvent({ id: "1", source: "s", type: "t", time: new Date("2023-12-31T23:59:54Z"), subject: "x" });
    expect(cloudEventHeaders(event)).toEqual({
      "ce-id": "1",
      "ce-source": "s",
      "ce-type": "t",
      "ce-specversion": "1.0",
      "ce-time": "2023-12-31T23:59:54+00:00",
      "ce-subject": "x",
    });
  });
  it("requires id, source and type", () => {
    expect(() => CloudEvent({ id: "", source: "s", type: "t" })).toThrow(/CloudEvent.id/);
  });
});
