import { describe, expect, it } from "vitest";
import { InvalidHeartbeatError } from "./errors.js";
import { parseHeartbeat } from "./parse.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("parseHeartbeat", () => {
  it.each([
    ["heartbeat.a.b", "start/60", { process: "a.b", kind: "start", seconds: 60 }],
    ["heartbeat.a.b", "beat/5", { process: "a.b", kind: "beat", seconds: 5 }],
    ["heartbeat.a.b", "beat/0.5", { process: "a.b", kind: "beat", seconds: 0.5 }],
    ["heartbeat.a.b", "degraded/60.0", { process: "a.b", kind: "degraded", seconds: 60 }],
    ["heartbeat.a.b", "beat/1e-07", { process: "a.b", kind: "beat", seconds: 1e-7 }],
    ["heartbeat.a.b", "beat/1.5E+3", { process: "a.b", kind: "beat", seconds: 1500 }],
    ["heartbeat.a.b", "beat/12345678901234567", { process: "a.b", kind: "beat", seconds: Number("12345678901234567") }],
    ["heartbeat.a.b", "stop", { process: "a.b", kind: "stop" }],
    ["heartbeat.wörker", "beat/5", { process: "wörker", kind: "beat", seconds: 5 }],
  ])("reads %s %s, as strings and as bytes", (subject, payload, expected) => {
    expect(parseHeartbeat(subject, payload)).toEqual(expected);
    expect(parseHeartbeat(bytes(subject), bytes(payload))).toEqual(expected);
  });

  it.each([
    ["heartbeats.a", "beat/5", 'does not start with "heartbeat."'],
    ["heartbeat.", "beat/5", "must not be empty"],
    ["heartbeat.a b", "beat/5", "whitespace"],
    ["heartbeat.a.*", "beat/5", "wildcards"],
    ["heartbeat.a..b", "beat/5", "empty token"],
    ["heartbeat.a", "beat/0", "finite and > 0"],
    ["heartbeat.a", "beat/-5", "not a decimal number"],
    ["heartbeat.a", "beat/Infinity", "not a decimal number"],
    ["heartbeat.a", "beat/1e999", "finite and > 0"],
    ["heartbeat.a", "beat/NaN", "not a decimal number"],
    ["heartbeat.a", "beat/ 5", "not a decimal number"],
    ["heartbeat.a", "beat/5.", "not a decimal number"],
    ["heartbeat.a", "beat/.5", "not a decimal number"],
    ["heartbeat.a", "beat/5e", "not a decimal number"],
    ["heartbeat.a", "beat/0x10", "not a decimal number"],
    ["heartbeat.a", "beat/", "not a decimal number"],
    ["heartbeat.a", "beat", "is not start/<seconds>"],
    ["heartbeat.a", "stop/5", "is not start/<seconds>"],
    ["heartbeat.a", "stopped", "is not start/<seconds>"],
    ["heartbeat.a", "pause/5", "is not start/<seconds>"],
    ["heartbeat.a", "", "is not start/<seconds>"],
    ["heartbeat.a", `beat/${"1".repeat(80)}`, "longer than 64"],
    [`heartbeat.${"a".repeat(1100)}`, "beat/5", "longer than 1024"],
  ])("rejects %s %s: %s", (subject, payload, reason) => {
    for (const [s, p] of [
      [subject, payload],
      [bytes(subject), bytes(payload)],
    ] as const) {
      expect(() => parseHeartbeat(s, p)).toThrow(InvalidHeartbeatError);
      expect(() => parseHeartbeat(s, p)).toThrow(reason);
    }
  });

  it("rejects a process name over the subject's byte limit, counted in UTF-8 for strings too", () => {
    const longest = `heartbeat.${"é".repeat(507)}`; // 10 + 1014 bytes
    expect(parseHeartbeat(longest, "stop")).toEqual({ process: "é".repeat(507), kind: "stop" });
    expect(parseHeartbeat(bytes(longest), "stop")).toEqual({ process: "é".repeat(507), kind: "stop" });
    expect(() => parseHeartbeat(`${longest}é`, "stop")).toThrow("must be at most 1014 bytes of UTF-8");
    expect(() => parseHeartbeat(bytes(`${longest}é`), "stop")).toThrow("longer than 1024 bytes");
    // A surrogate pair is four bytes, a lone surrogate three (as U+FFFD).
    expect(() => parseHeartbeat(`heartbeat.${"😀".repeat(253)}ab`, "stop")).not.toThrow();
    expect(() => parseHeartbeat(`heartbeat.${"😀".repeat(253)}abc`, "stop")).toThrow("1014 bytes");
    // A lone surrogate would be three bytes (as U+FFFD), but it is rejected whatever the length.
    expect(() => parseHeartbeat(`heartbeat.${"\ud800".repeat(338)}`, "stop")).toThrow("lone surrogate");
    expect(() => parseHeartbeat(`heartbeat.${"\ud800".repeat(339)}`, "stop")).toThrow("1014 bytes");
  });

  it.each([
    ["next\u0085line", "control characters (U+0085)"],
    ["zero\u200bwidth", "invisible format characters (U+200B)"],
    ["\ufeffbom", "invisible format characters (U+FEFF)"],
    ["line\u2028sep", "whitespace (U+2028)"],
  ])("rejects the process name %j as a string and as bytes, naming the character", (process, problem) => {
    expect(() => parseHeartbeat(`heartbeat.${process}`, "stop")).toThrow(problem);
    // A byte-order mark right after the prefix is part of the name, not stripped by the decoder.
    expect(() => parseHeartbeat(bytes(`heartbeat.${process}`), "stop")).toThrow(problem);
  });

  it("rejects a lone surrogate in a string subject: it cannot round-trip through UTF-8", () => {
    expect(() => parseHeartbeat("heartbeat.a\ud800", "stop")).toThrow(InvalidHeartbeatError);
    expect(() => parseHeartbeat("heartbeat.a\ud800", "stop")).toThrow("lone surrogate (U+D800)");
    expect(() => parseHeartbeat("heartbeat.a\udc00b", "stop")).toThrow("lone surrogate (U+DC00)");
    // Encoded, a lone surrogate is invalid UTF-8 (CESU-style bytes) and rejected by the decoder.
    expect(() => parseHeartbeat(new Uint8Array([...bytes("heartbeat.a"), 0xed, 0xa0, 0x80]), "stop")).toThrow("not valid UTF-8");
    expect(parseHeartbeat("heartbeat.a😀", "stop")).toEqual({ process: "a😀", kind: "stop" });
  });

  it("rejects invalid UTF-8 and values that are neither strings nor bytes", () => {
    expect(() => parseHeartbeat(new Uint8Array([...bytes("heartbeat.a"), 0xff]), "beat/5")).toThrow("not valid UTF-8");
    expect(() => parseHeartbeat("heartbeat.a", new Uint8Array([0x62, 0xff]))).toThrow(/is not start/);
    expect(() => parseHeartbeat(42 as unknown as string, "beat/5")).toThrow("neither a string nor bytes");
    expect(() => parseHeartbeat("heartbeat.a", null as unknown as string)).toThrow("neither a string nor bytes");
  });
});
