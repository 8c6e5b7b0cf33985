import { InvalidArgumentError } from "@x/message";
import { describe, expect, it } from "vitest";
import { encodeProgress, MAX_PROGRESS_BYTES } from "./progress.js";

describe("encodeProgress", () => {
  it("takes any JSON value up to 64 KiB encoded, and records the holder", () => {
    const fits = "x".repeat(MAX_PROGRESS_BYTES - 2);
    expect(JSON.parse(encodeProgress(fits))).toEqual({ holder: expect.stringMatching(/:\d+$/) as unknown, progress: fits });
    expect(JSON.parse(encodeProgress({ a: [1, null, true] }))).toMatchObject({ progress: { a: [1, null, true] } });
    expect(() => encodeProgress(`${fits}x`)).toThrow(/65537 bytes/);
  });

  it("refuses what JSON cannot carry, naming `value`", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, Number.NaN, Infinity, () => 1, 1n, new Date(), cyclic, [Symbol("s")]]) {
      expect(() => encodeProgress(bad)).toThrow(InvalidArgumentError);
      expect(() => encodeProgress(bad)).toThrow(/`value`/);
    }
  });
});
