import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeError } from "./describe-error.js";

describe("describeError", () => {
  it("Name: message for errors, also from another realm", () => {
    expect(describeError(new TypeError("bad input"))).toBe("TypeError: bad input");
    expect(describeError(runInNewContext('new RangeError("far")'))).toBe("RangeError: far");
  });

  it("strings, numbers and the other primitives as they read", () => {
    expect(describeError("card declined")).toBe("card declined");
    expect(describeError(42)).toBe("42");
    expect(describeError(10n)).toBe("10");
    expect(describeError(null)).toBe("null");
    expect(describeError(undefined)).toBe("undefined");
    expect(describeError(Symbol("why"))).toBe("Symbol(why)");
    expect(
      describeError(function namedThrow() {
        return 1;
      }),
    ).toBe("[Function namedThrow]");
  });

  it("a thrown plain object as JSON, not [object Object]", () => {
    expect(describeError({ code: "E_CARD", cents: 1200 })).toBe('{"code":"E_CARD","cents":1200}');
    expect(describeError([1, "two"])).toBe('[1,"two"]');
    expect(describeError(Object.assign(Object.create(null) as object, { reason: "nope" }))).toBe('{"reason":"nope"}');
  });

  it("non-plain objects with their class name, or their own toString", () => {
    class PaymentDeclined {
      readonly cents = 1200;
    }
    class Described {
      toString(): string {
        return "described by its class";
      }
    }
    expect(describeError(new PaymentDeclined())).toBe('PaymentDeclined {"cents":1200}');
    expect(describeError(new Described())).toBe("described by its class");
  });

  it("cycles, BigInts, symbols and functions inside, without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { back: cyclic }];
    expect(describeError(cyclic)).toBe('{"name":"loop","self":"[Circular]","list":["[Circular]",{"back":"[Circular]"}]}');
    const shared = { n: 1 };
    expect(describeError({ a: shared, b: shared })).toBe('{"a":{"n":1},"b":{"n":1}}');
    expect(describeError({ big: 2n ** 70n, sym: Symbol("s"), fn: () => 1 })).toBe(
      '{"big":"1180591620717411303424n","sym":"Symbol(s)","fn":"[Function fn]"}',
    );
  });

  it("bounded: long values are cut, huge ones cost bounded work", () => {
    const long = describeError({ text: "x".repeat(10_000) });
    expect(long).toHaveLength(1_000);
    expect(long.endsWith("…")).toBe(true);
    expect(describeError("y".repeat(50), 10)).toBe(`${"y".repeat(9)}…`);
    const huge = Array.from({ length: 100_000 }, (_, i) => ({ i }));
    expect(describeError(huge).length).toBeLessThanOrEqual(1_000);
  });

  it("never throws, whatever the value does", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeError(proxy)).toBe("an unprintable object");
    const getter = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    expect(describeError(getter)).toBe("[object Object]");
    const hostile = {
      toString() {
        throw new Error("no string for you");
      },
    };
    expect(describeError(hostile)).toBe('{"toString":"[Function toString]"}');
    const badError = new Error("x");
    Object.defineProperty(badError, "message", {
      get() {
        throw new Error("no");
      },
    });
    expect(describeError(badError)).toBe("[object Error]");
  });

  it("never throws and stays bounded for any value (property)", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          stringUnit: "binary",
        }),
        fc.integer({ min: 1, max: 2_000 }),
        (value, maxLength) => {
          const text = describeError(value, maxLength);
          expect(typeof text).toBe("string");
          expect(text.length).toBeLessThanOrEqual(maxLength);
        },
      ),
      { seed: 1308, numRuns: 500 },
    );
  });
});
