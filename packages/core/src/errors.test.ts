import { describe, expect, it } from "vitest";
import { describeValue, InvalidOptionError, XError } from "./errors.js";

describe("XError", () => {
  it("carries its code, its class name and the cause", () => {
    const cause = new Error("disk full");
    const error = new InvalidOptionError("leaseMs", -1, "must be >= 0", { cause });
    expect(error).toBeInstanceOf(XError);
    expect(error.code).toBe("ERR_X_INVALID_OPTION");
    expect(error.name).toBe("InvalidOptionError");
    expect(error.option).toBe("leaseMs");
    expect(error.value).toBe(-1);
    expect(error.message).toBe("option `leaseMs` must be >= 0, got -1");
    expect(error.cause).toBe(cause);
  });
});

describe("describeValue", () => {
  it("describes errors, strings and plain objects usefully", () => {
    expect(describeValue(new TypeError("bad"))).toBe("TypeError: bad");
    expect(describeValue("plain reason")).toBe("plain reason");
    expect(describeValue({ code: 42, why: "quota" })).toBe('{"code":42,"why":"quota"}');
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(null)).toBe("null");
  });

  it("is safe with cycles, BigInt, symbols and functions", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe("[object Object]");
    expect(describeValue({ n: 10n })).toBe('{"n":"10n"}');
    expect(describeValue(Symbol("s"))).toBe("Symbol(s)");
    function named(): number {
      return 1;
    }
    expect(describeValue(named)).toBe("[function named]");
  });

  it("never throws, even on a revoked proxy or a throwing toJSON", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeValue(proxy)).toBe("[a value that cannot be described]");
    expect(
      describeValue({
        toJSON(): never {
          throw new Error("no");
        },
      }),
    ).toBe("[object Object]");
  });

  it("keeps to one line and a bound", () => {
    expect(describeValue("a\r\nb\nc")).toBe("a b c");
    const long = describeValue("x".repeat(1000), 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
  });
});
