import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_MESSAGE_BYTES, decode, encode, encodeToString } from "./codec.js";
import { InvalidArgumentError, InvalidMessageError } from "./errors.js";
import { createMessage, DEFAULT_PRIORITY, MAX_PRIORITY, type Message, type MessageInit } from "./message.js";

/** Keys a producer may use for extra header/body entries. */
const extraKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter(
    (k) =>
      !["__proto__", "constructor", "requestType", "request_type", "priority", "delay", "expiration", "attempts", "payload"].includes(k),
  );

/**
 * Valid payloads: JSON values without -0 (JSON itself turns it into 0) and without the keys
 * messages reject (`__proto__`, `constructor`; the reviver drops them).
 */
const jsonValue = fc
  .jsonValue({ maxDepth: 4 })
  .map(
    (v) =>
      JSON.parse(JSON.stringify(v), (key, value: unknown) => (key === "__proto__" || key === "constructor" ? undefined : value)) as unknown,
  );

const dateArb = fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true });

const initArb: fc.Arbitrary<MessageInit> = fc.record(
  {
    requestType: fc.string({ minLength: 1, maxLength: 30 }),
    payload: jsonValue,
    priority: fc.integer({ min: 0, max: MAX_PRIORITY }),
    delay: dateArb,
    expiration: dateArb,
    attempts: fc.nat({ max: 1000 }),
    header: fc.dictionary(extraKey, jsonValue, { maxKeys: 4 }),
    body: fc.dictionary(extraKey, jsonValue, { maxKeys: 4 }),
  },
  { requiredKeys: [] },
);

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

/** `field` is the exact field, or a pattern for long generated paths. */
const expectInvalid = (input: Uint8Array | string, field: string | RegExp | undefined, problem: RegExp): void => {
  let caught: unknown;
  try {
    decode(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidMessageError);
  const error = caught as InvalidMessageError;
  expect(error.code).toBe("ERR_X_QUEUE_INVALID_MESSAGE");
  if (field instanceof RegExp) expect(error.field).toMatch(field);
  else expect(error.field).toBe(field);
  expect(error.message).toMatch(problem);
};

/** The ISO encoding as JSON.stringify writes the object form, for holding the direct writer to it. */
function referenceIso(message: Message, includeId: boolean): string {
  const { requestType, priority, delay, expiration, attempts, ...extra } = message.header;
  const header: Record<string, unknown> = {};
  if (requestType !== undefined) header.request_type = requestType;
  header.priority = priority;
  if (delay !== undefined) header.delay = delay.toISOString();
  if (expiration !== undefined) header.expiration = expiration.toISOString();
  header.attempts = attempts;
  Object.assign(header, extra);
  return JSON.stringify(includeId ? { id: message.id, header, body: message.body } : { header, body: message.body });
}

describe("encode", () => {
  it("writes the same text as JSON.stringify of the object form, with and without the id (property)", () => {
    fc.assert(
      fc.property(initArb, fc.boolean(), (init, includeId) => {
        const message = createMessage(init);
        expect(encodeToString(message, { includeId })).toBe(referenceIso(message, includeId));
      }),
      { numRuns: 300 },
    );
    // Integer-like extra keys come first in an object: the writer must keep that order too.
    const numeric = createMessage({ requestType: "x", header: { "7": 1, b: 2 }, payload: { "2": 0, a: 1 } });
    expect(encodeToString(numeric)).toBe(referenceIso(numeric, true));
  });

  it("writes pulpo's wire names and ISO-8601 UTC dates", () => {
    const msg = createMessage({
      id: "m1",
      requestType: "send_email",
      payload: { to: "a@example.com" },
      priority: 3,
      delay: new Date(Date.UTC(2026, 10, 25, 8, 0, 0, 5)),
      expiration: new Date(Date.UTC(2026, 10, 26)),
      header: { source: "shop" },
      body: { subject: "hi" },
    });
    expect(JSON.parse(encodeToString(msg))).toEqual({
      id: "m1",
      header: {
        request_type: "send_email",
        priority: 3,
        delay: "2026-11-25T08:00:00.005Z",
        expiration: "2026-11-26T00:00:00.000Z",
        attempts: 0,
        source: "shop",
      },
      body: { payload: { to: "a@example.com" }, subject: "hi" },
    });
  });

  it("leaves out fields that are not set", () => {
    const text = encodeToString(createMessage({ id: "m2" }));
    expect(text).toBe(`{"id":"m2","header":{"priority":${DEFAULT_PRIORITY},"attempts":0},"body":{}}`);
  });

  it("returns UTF-8 bytes", () => {
    const encoded = encode(createMessage({ id: "m3", payload: "☃" }));
    expect(encoded.toString("utf8")).toContain("☃");
  });
});

describe("decode", () => {
  it("round-trips every valid message losslessly (property)", () => {
    fc.assert(
      fc.property(initArb, (init) => {
        const msg = createMessage(init);
        const back = decode(encode(msg));
        expect(back).toEqual(msg);
        // Idempotent: encoding the decoded message gives the same bytes.
        expect(encodeToString(back)).toBe(encodeToString(msg));
      }),
      { numRuns: 300 },
    );
  });

  it("reads pulpo's date forms as UTC, and epoch milliseconds", () => {
    const wire = (delay: unknown, expiration: unknown): string => JSON.stringify({ id: "p1", header: { delay, expiration }, body: {} });
    let msg = decode(wire("2026-11-25 08:00:00.123456", "2000-01-01 12:00:00"));
    expect(msg.header.delay?.toISOString()).toBe("2026-11-25T08:00:00.123Z");
    expect(msg.header.expiration?.toISOString()).toBe("2000-01-01T12:00:00.000Z");
    msg = decode(wire(1_764_057_600_000, "2026-11-25T10:00:00+02:00"));
    expect(msg.header.delay?.getTime()).toBe(1_764_057_600_000);
    expect(msg.header.expiration?.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    msg = decode(wire(null, undefined));
    expect(msg.header.delay).toBeUndefined();
    expect(msg.header.expiration).toBeUndefined();
  });

  it("fills in defaults for a minimal message and reads an integer id as a string", () => {
    const msg = decode('{"id":123}');
    expect(msg).toEqual({ id: "123", header: { priority: DEFAULT_PRIORITY, attempts: 0 }, body: {} });
  });

  it("reads -0 as 0, so decoding what it encodes gives the same message", () => {
    const msg = decode('{"id":"z","header":{"priority":-0,"attempts":-0,"n":-0},"body":{"payload":[-0,{"x":-0.0}]}}');
    expect(Object.is(msg.header.priority, 0)).toBe(true);
    expect(Object.is(msg.header.attempts, 0)).toBe(true);
    expect(Object.is(msg.header.n, 0)).toBe(true);
    expect(msg.body.payload).toStrictEqual([0, { x: 0 }]);
    expect(decode(encode(msg))).toStrictEqual(msg);
  });

  it("turns a negative priority into 0 (pulpo's rule)", () => {
    expect(decode('{"id":"n","header":{"priority":-5}}').header.priority).toBe(0);
  });

  it("accepts a Uint8Array view into a larger buffer", () => {
    const whole = Buffer.from('xx{"id":"v"}yy');
    expect(decode(whole.subarray(2, 12)).id).toBe("v");
  });

  describe("rejects bad input with InvalidMessageError naming the problem", () => {
    it("garbage bytes and non-JSON", () => {
      expectInvalid(Buffer.from([0x00, 0x01, 0x02]), undefined, /not JSON/);
      expectInvalid("{", undefined, /not JSON/);
      expectInvalid("", undefined, /not JSON/);
    });

    it("invalid UTF-8", () => {
      expectInvalid(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), undefined, /not valid UTF-8/);
    });

    it("a JSON value that is not an object", () => {
      expectInvalid("[1,2]", undefined, /must be a JSON object, got an array/);
      expectInvalid("42", undefined, /must be a JSON object/);
      expectInvalid("null", undefined, /must be a JSON object, got null/);
    });

    it("wrong field types", () => {
      expectInvalid('{"id":true}', "id", /must be a string, got boolean true/);
      expectInvalid('{"header":{}}', "id", /must be a string, got undefined/);
      expectInvalid('{"id":"a","header":[]}', "header", /must be an object, got an array/);
      expectInvalid('{"id":"a","body":"x"}', "body", /must be an object, got the string "x"/);
      expectInvalid('{"id":"a","header":{"request_type":7}}', "header.request_type", /non-empty string/);
      expectInvalid('{"id":"a","header":{"attempts":-1}}', "header.attempts", /non-negative integer/);
      expectInvalid('{"id":"a","header":{"attempts":"2"}}', "header.attempts", /non-negative integer/);
      expectInvalid('{"id":"a","extra":1}', "extra", /unknown top-level field/);
    });

    it("a non-integer or out-of-range priority", () => {
      expectInvalid('{"id":"a","header":{"priority":1.5}}', "header.priority", /must be an integer, got number 1.5/);
      expectInvalid('{"id":"a","header":{"priority":"high"}}', "header.priority", /must be an integer/);
      expectInvalid(`{"id":"a","header":{"priority":${2 ** 32}}}`, "header.priority", /at most 4294967295/);
    });

    it("unparsable dates", () => {
      expectInvalid('{"id":"a","header":{"delay":"tomorrow"}}', "header.delay", /unparsable date "tomorrow"/);
      expectInvalid('{"id":"a","header":{"expiration":"2026-02-31 00:00:00"}}', "header.expiration", /unparsable/);
      expectInvalid('{"id":"a","header":{"expiration":{}}}', "header.expiration", /unparsable/);
      expectInvalid('{"id":"a","header":{"delay":1.5}}', "header.delay", /unparsable/);
    });

    it("dates outside the years 0000-9999, which could not be written back", () => {
      for (const delay of [8_640_000_000_000_000, -8_640_000_000_000_000, 253_402_300_800_000]) {
        expectInvalid(`{"id":"a","header":{"delay":${delay}}}`, "header.delay", /years 0000-9999/);
      }
      expectInvalid('{"id":"a","header":{"delay":"9999-12-31T23:59:59-01:00"}}', "header.delay", /years 0000-9999/);
      expectInvalid('{"id":"a","header":{"expiration":"0000-01-01T00:00:00+01:00"}}', "header.expiration", /years 0000-9999/);
      expect(decode('{"id":"a","header":{"delay":"9999-12-31T23:59:59.999Z"}}').header.delay?.getUTCFullYear()).toBe(9999);
      expect(decode('{"id":"a","header":{"delay":"0000-01-01T00:00:00Z"}}').header.delay?.getUTCFullYear()).toBe(0);
    });

    it("numbers JSON cannot carry back (1e309 reads as Infinity), anywhere in the body or header", () => {
      expectInvalid('{"id":"a","body":{"payload":1e309}}', "body.payload", /Infinity is not representable/);
      expectInvalid('{"id":"a","body":{"payload":{"n":[-1e400]}}}', "body.payload.n[0]", /-Infinity is not representable/);
      expectInvalid('{"id":"a","body":{"extra":1e309}}', "body.extra", /Infinity/);
      expectInvalid('{"id":"a","header":{"source":{"n":1e309}}}', "header.source.n", /Infinity/);
    });

    it("nesting deeper than createMessage accepts; exactly as deep is accepted by both", () => {
      const nested = (levels: number): string => "[".repeat(levels) + "1" + "]".repeat(levels);
      const deepest = JSON.parse(nested(64)) as unknown;
      expect(() => createMessage({ payload: deepest })).not.toThrow();
      expect(decode(`{"id":"a","body":{"payload":${nested(64)}}}`).body.payload).toEqual(deepest);
      expect(() => createMessage({ payload: JSON.parse(nested(65)) as unknown })).toThrow(InvalidArgumentError);
      expectInvalid(`{"id":"a","body":{"payload":${nested(65)}}}`, /^body\.payload(\[0\])+$/, /nested deeper than 64/);
      expectInvalid(`{"id":"a","body":{"payload":${nested(5000)}}}`, /^body\.payload/, /nested deeper/);
      const objects = (levels: number): string => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
      expectInvalid(`{"id":"a","header":{"x":${objects(5000)}}}`, /^header\.x(\.a)+$/, /nested deeper/);
      expectInvalid(`{"id":"a","body":{"deep":${objects(100_000)}}}`, /^body\.deep/, /nested deeper/);
    });

    it("hostile ids", () => {
      expectInvalid('{"id":"../etc/passwd"}', "id", /not a valid message id/);
      expectInvalid('{"id":"/abs"}', "id", /not a valid message id/);
      expectInvalid(`{"id":"${"a".repeat(200)}"}`, "id", /not a valid message id/);
    });

    it("__proto__ and constructor keys anywhere, spelled out or escaped, without polluting", () => {
      expectInvalid('{"id":"a","body":{"payload":{"__proto__":{"polluted":true}}}}', "__proto__", /forbidden key/);
      expectInvalid('{"id":"a","header":{"constructor":{"prototype":{"polluted":true}}}}', "constructor", /forbidden key/);
      expectInvalid('{"id":"a","body":{"\\u005f_proto__":{"polluted":true}}}', "__proto__", /forbidden key/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty("polluted");
    });

    it("camelCase requestType on the wire", () => {
      expectInvalid('{"id":"a","header":{"requestType":"x"}}', "header.requestType", /use request_type/);
    });

    it("input over the size limit, configurable", () => {
      const big = JSON.stringify({ id: "big", body: { payload: "x".repeat(DEFAULT_MAX_MESSAGE_BYTES) } });
      expectInvalid(big, undefined, /over the limit of 1048576 bytes/);
      expectInvalid(bytes(big), undefined, /over the limit/);
      expect(() => decode('{"id":"small","body":{"payload":"0123456789"}}', { maxBytes: 20 })).toThrow(/over the limit of 20 bytes/);
      expect(decode(big, { maxBytes: 2 * DEFAULT_MAX_MESSAGE_BYTES }).id).toBe("big");
    });

    it("never throws anything but InvalidMessageError on random bytes (property)", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
          try {
            decode(input);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidMessageError);
          }
        }),
        { numRuns: 500 },
      );
    });

    it("never throws anything but InvalidMessageError on mutated valid messages (property)", () => {
      const valid = encodeToString(
        createMessage({ id: "m", requestType: "t", payload: { a: [1, "x"] }, delay: new Date(0), header: { k: 1 } }),
      );
      fc.assert(
        fc.property(fc.nat({ max: valid.length - 1 }), fc.string({ maxLength: 3 }), (at, insert) => {
          const mutated = valid.slice(0, at) + insert + valid.slice(at + 1);
          try {
            const msg: Message = decode(mutated);
            expect(typeof msg.id).toBe("string");
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidMessageError);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
