import { describe, expect, it } from "vitest";
import { jsonSerializer } from "./serializers.js";

const decode = (text: string): unknown => jsonSerializer.decode(new TextEncoder().encode(text));
const hasOwnProto = (value: unknown): boolean => typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__");

describe("jsonSerializer and __proto__", () => {
  it.each([
    '{"__proto__":{"polluted":true},"ok":1}',
    '{"a":{"__proto__":{"polluted":true}},"ok":1}',
    '[{"__proto__":{"polluted":true}}]',
    '{"\\u005f_proto__":{"polluted":true},"ok":1}',
    '{"__pr\\u006fto__":{"polluted":true},"ok":1}',
  ])("strips own __proto__ keys at every depth: %s", (text) => {
    const value = decode(text);
    const walk = (v: unknown): void => {
      expect(hasOwnProto(v)).toBe(false);
      if (typeof v === "object" && v !== null) for (const child of Object.values(v)) walk(child);
    };
    walk(value);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(Array.isArray(value) ? value[0] : value)).toBe(Object.prototype);
  });

  it("leaves other keys (constructor, prototype) and values alone", () => {
    expect(decode('{"constructor":1,"prototype":2,"x":"__proto__"}')).toEqual({ constructor: 1, prototype: 2, x: "__proto__" });
  });
});
