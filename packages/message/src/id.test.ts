import { v7 } from "uuid";
import { describe, expect, it } from "vitest";
import { formatUuid7, uuid7 } from "./id.js";

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuid7", () => {
  it("makes RFC 9562 version-7 ids carrying the millisecond timestamp", () => {
    const id = uuid7(Date.UTC(2026, 10, 25));
    expect(id).toMatch(UUID7);
    const ms = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 25));
  });

  it("stays unique and sorted across thousands of ids in the same millisecond", () => {
    const now = Date.UTC(2030, 0, 1);
    const ids = Array.from({ length: 5000 }, () => uuid7(now));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID7);
  });

  it("never goes backwards when the clock does", () => {
    const later = uuid7(Date.UTC(2031, 0, 1));
    const earlierClock = uuid7(Date.UTC(2031, 0, 1) - 10_000);
    expect(earlierClock > later).toBe(true);
  });

  it("uses fresh random bits for ids of different milliseconds (pool refills)", () => {
    const tails = new Set<string>();
    let ms = Date.UTC(2032, 0, 1);
    for (let i = 0; i < 1000; i++) tails.add(uuid7(++ms).slice(-12));
    expect(tails.size).toBe(1000);
  });
});

describe("formatUuid7", () => {
  it("writes what uuid's v7() writes for the same time, sequence and random bytes", () => {
    const random = new Uint8Array(16);
    let state = 0x9e3779b9;
    const next = (): number => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state;
    };
    const times = [0, 1, 0xff, 0x1_0000_0000, Date.UTC(2026, 11, 5), 2 ** 48 - 1];
    for (let i = 0; i < 2000; i++) {
      for (let b = 0; b < 16; b++) random[b] = next() & 0xff;
      const msecs = times[i % times.length] ?? 0;
      const seq = next() | 0;
      expect(formatUuid7(msecs, seq, random)).toBe(v7({ random, msecs, seq }));
    }
  });
});
