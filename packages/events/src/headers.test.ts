import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { HEADER_MATRIX } from "../test/header-matrix.js";
import { CloudEvent, cloudEventHeaders } from "./cloud-event.js";
import { buildHeaders, MAX_DELAY_MS, parseDelayUntil } from "./headers.js";

describe("emit headers", () => {
  it.each(HEADER_MATRIX)("%s", (_name, options, expected) => {
    // No headers at all is `undefined`: the message then carries none (walnats' `headers is None`).
    expect(buildHeaders(options)).toEqual(Object.keys(expected).length === 0 ? undefined : expected);
  });

  it("writes the delay as integer epoch milliseconds", () => {
    expect(buildHeaders({ delayUntilEpochMs: 1_700_000_000_123.4 })).toEqual({ "Walnats-Delay-Until": "1700000000123" });
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

describe("CloudEvent", () => {
  it("writes ce-* headers, a time as ISO-8601 UTC, and drops missing fields", () => {
    const event = CloudEvent({ id: "1", source: "s", type: "t", time: new Date("2023-12-31T23:59:54Z"), subject: "x" });
    expect(cloudEventHeaders(event)).toEqual({
      "ce-id": "1",
      "ce-source": "s",
      "ce-type": "t",
      "ce-specversion": "1.0",
      "ce-time": "2023-12-31T23:59:54.000Z",
      "ce-subject": "x",
    });
  });
  it("requires id, source and type", () => {
    expect(() => CloudEvent({ id: "", source: "s", type: "t" })).toThrow(/CloudEvent.id/);
  });
});
