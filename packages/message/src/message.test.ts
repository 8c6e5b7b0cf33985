import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode } from "./codec.js";
import { formatWireDate, parseWireDate } from "./dates.js";
import { InvalidArgumentError } from "./errors.js";
import {
  createMessage,
  DEFAULT_PRIORITY,
  isValidMessageId,
  type MessageInit,
  newMessageId,
  normalizePriority,
  toMessageInit,
  withHeader,
} from "./message.js";

const expectArgumentError = (init: MessageInit, argument: string, problem: RegExp): void => {
  let caught: unknown;
  try {
    createMessage(init);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as InvalidArgumentError).argument).toBe(argument);
  expect((caught as InvalidArgumentError).message).toMatch(problem);
};

describe("createMessage", () => {
  it("fills in a UUIDv7 id and the defaults", () => {
    const msg = createMessage();
    expect(msg.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(msg.header).toEqual({ priority: DEFAULT_PRIORITY, attempts: 0 });
    expect(msg.body).toEqual({});
  });

  it("generates ids that sort by creation time", () => {
    const ids = Array.from({ length: 1000 }, () => newMessageId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps pulpo's falsy values: payload '', id '0', priority 0 (P-21)", () => {
    const msg = createMessage({ id: "0", payload: "", priority: 0, delayMs: 0 });
    expect(msg.id).toBe("0");
    expect(msg.body.payload).toBe("");
    expect(msg.header.priority).toBe(0);
    expect(msg.header.delay).toBeInstanceOf(Date);
  });

  it("computes delay and expiration from relative milliseconds", () => {
    const msg = createMessage({ delayMs: 1500, expiresInMs: 60_000 }, 1_000_000);
    expect(msg.header.delay?.getTime()).toBe(1_001_500);
    expect(msg.header.expiration?.getTime()).toBe(1_060_000);
  });

  it("copies dates and does not modify the caller's object", () => {
    const delay = new Date(5_000);
    const init = { delay, header: { a: 1 }, body: { b: 2 } };
    const frozen = JSON.stringify(init);
    const msg = createMessage(init);
    delay.setTime(9_999);
    expect(msg.header.delay?.getTime()).toBe(5_000);
    expect(JSON.stringify(init)).not.toBe(frozen); // only because we changed `delay` ourselves
    expect(init.header).toEqual({ a: 1 });
    expect(init.body).toEqual({ b: 2 });
    expect(Object.keys(init)).toEqual(["delay", "header", "body"]);
  });

  it("turns a negative priority into 0", () => {
    expect(createMessage({ priority: -3 }).header.priority).toBe(0);
    expect(normalizePriority(-1)).toBe(0);
  });

  describe("rejects bad input with InvalidArgumentError naming the field", () => {
    it("priority", () => {
      expectArgumentError({ priority: 2.5 }, "priority", /must be an integer, got 2.5/);
      expectArgumentError({ priority: Number.NaN }, "priority", /must be an integer, got NaN/);
      expectArgumentError({ priority: 2 ** 32 }, "priority", /at most 4294967295/);
    });

    it("id", () => {
      expectArgumentError({ id: "../x" }, "id", /must match/);
      expectArgumentError({ id: "" }, "id", /must match/);
      expectArgumentError({ id: "a b" }, "id", /must match/);
    });

    it("dates", () => {
      expectArgumentError({ delay: new Date(Number.NaN) }, "delay", /valid Date/);
      expectArgumentError({ expiration: new Date(Date.parse("+010000-01-01T00:00:00Z")) }, "expiration", /0000 and 9999/);
      expectArgumentError({ delay: new Date(), delayMs: 5 }, "delay", /mutually exclusive/);
      expectArgumentError({ expiresInMs: Number.POSITIVE_INFINITY }, "expiresInMs", /finite/);
    });

    it("relative dates that end up past the year 9999 (they could not be written or read back)", () => {
      const now = Date.parse("2026-01-01T00:00:00Z");
      const init = (delayMs: number): MessageInit => ({ delayMs });
      let caught: unknown;
      for (const [delayMs, problem] of [
        [1e15, /0000 and 9999/],
        [1e20, /0000 and 9999/],
        [-1e15, /0000 and 9999/],
      ] as const) {
        caught = undefined;
        try {
          createMessage(init(delayMs), now);
        } catch (err) {
          caught = err;
        }
        expect(caught, String(delayMs)).toBeInstanceOf(InvalidArgumentError);
        expect((caught as InvalidArgumentError).argument).toBe("delayMs");
        expect((caught as InvalidArgumentError).message).toMatch(problem);
      }
      expect(() => createMessage({ expiresInMs: 1e15 }, now)).toThrow(/`expiresInMs` .*0000 and 9999/);
      expect(createMessage({ delayMs: Date.parse("9999-12-31T23:59:59.999Z") - now }, now).header.delay?.getUTCFullYear()).toBe(9999);
    });

    it("attempts and requestType", () => {
      expectArgumentError({ attempts: -1 }, "attempts", /non-negative integer/);
      expectArgumentError({ requestType: "" }, "requestType", /non-empty string/);
    });

    it("payloads that JSON cannot carry", () => {
      expectArgumentError({ payload: Number.NaN }, "payload", /NaN is not representable/);
      expectArgumentError({ payload: { at: new Date() } }, "payload.at", /a Date is not a plain JSON object/);
      expectArgumentError({ payload: [1, undefined] }, "payload[1]", /undefined values are not representable/);
      expectArgumentError({ payload: { f: () => 1 } }, "payload.f", /function values/);
      expectArgumentError({ payload: 10n }, "payload", /bigint values/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => createMessage({ payload: cyclic })).toThrow(/^`payload(\.self)+` nested deeper than 64 levels \(or cyclic\)$/);
    });

    it("reserved and forbidden extra keys", () => {
      expectArgumentError({ header: { priority: 1 } }, "header.priority", /reserved/);
      expectArgumentError({ header: { request_type: "x" } }, "header.request_type", /reserved/);
      expectArgumentError({ body: { payload: 1 } }, "body.payload", /reserved/);
      expectArgumentError({ body: JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown> }, "body.__proto__", /forbidden/);
      expectArgumentError({ payload: { constructor: "Bob" } }, "payload.constructor", /forbidden key/);
    });
  });
});

describe("withHeader and toMessageInit", () => {
  it("withHeader returns a copy with replaced fields", () => {
    const msg = createMessage({ priority: 5, delay: new Date(1000) });
    const updated = withHeader(msg, { priority: 9, attempts: 2, delay: null });
    expect(updated.header).toEqual({ priority: 9, attempts: 2 });
    expect(msg.header.priority).toBe(5);
    expect(msg.header.delay?.getTime()).toBe(1000);
  });

  it("toMessageInit rebuilds the same message", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.string(), (requestType, priority, payload) => {
        const msg = createMessage({ requestType, priority, payload, header: { k: "v" } });
        expect(createMessage(toMessageInit(msg))).toEqual(msg);
      }),
    );
  });
});

describe("wire dates", () => {
  it("parses every accepted form", () => {
    expect(parseWireDate("2026-11-25T08:00:00Z")?.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(parseWireDate("2026-11-25T08:00:00")?.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(parseWireDate("2026-11-25 08:00:00.999999")?.toISOString()).toBe("2026-11-25T08:00:00.999Z");
    expect(parseWireDate("2026-11-25T08:00:00.5-0130")?.toISOString()).toBe("2026-11-25T09:30:00.500Z");
    expect(parseWireDate("0001-01-01T00:00:00Z")?.toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(parseWireDate(0)?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
  });

  it("rejects impossible or ambiguous dates", () => {
    for (const bad of ["2026-13-01 00:00:00", "2026-11-25 24:00:00", "2026-11-25", "25.11.2026", "", 1.5, true, null]) {
      expect(parseWireDate(bad), String(bad)).toBeUndefined();
    }
  });

  it("every Date createMessage accepts round-trips through the wire (property)", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (date) => {
        let msg;
        try {
          msg = createMessage({ id: "d", delay: date });
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidArgumentError);
          return;
        }
        expect(decode(encode(msg)).header.delay?.getTime()).toBe(date.getTime());
        expect(parseWireDate(formatWireDate(date))?.getTime()).toBe(date.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it("isValidMessageId accepts pulpo and beanstalkd ids", () => {
    expect(isValidMessageId("1702227600.123456-4f3e0c1a-2b8e-4a8c-9a6e-1f2e3d4c5b6a")).toBe(true);
    expect(isValidMessageId("10001")).toBe(true);
    expect(isValidMessageId(".hidden")).toBe(false);
  });
});
