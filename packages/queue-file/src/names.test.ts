import { systemTime } from "@x/core";
import { describe, expect, it } from "vitest";
import {
  compareReady,
  formatBuried,
  formatReady,
  formatReserved,
  MAX_NAME_TIME,
  NameClock,
  newToken,
  parseBuried,
  parseReady,
  parseReserved,
  reasonFileOf,
} from "./names.js";

describe("file names", () => {
  const ready = { priority: 65_536, readyAt: 1_764_000_000_123, seq: "0000002s", deliveries: 3, id: "01a2-x.y:z_job" };

  it("round-trip every state, ids with dots, dashes and colons included", () => {
    expect(parseReady(formatReady(ready))).toEqual(ready);
    const reserved = { leaseEndsAt: 1_764_000_060_000, token: newToken(), priority: 0, deliveries: 1, id: "a-b-c.job" };
    expect(parseReserved(formatReserved(reserved))).toEqual(reserved);
    const buried = { buriedAt: 5, seq: "00000001", priority: 4_294_967_295, deliveries: 12, id: "9", kind: "job" as const };
    const name = formatBuried(buried);
    expect(parseBuried(name)).toEqual(buried);
    expect(parseBuried(reasonFileOf(name))).toEqual({ ...buried, kind: "reason" });
  });

  it("are zero-padded so that ls sorts ready jobs in serving order", () => {
    expect(formatReady(ready)).toBe("0000065536-001764000000123-0000002s-3-01a2-x.y:z_job.job");
    const names = [
      formatReady({ ...ready, priority: 10 }),
      formatReady({ ...ready, priority: 2, readyAt: 99 }),
      formatReady({ ...ready, priority: 2, readyAt: 5 }),
    ];
    expect([...names].sort()).toEqual([names[2], names[1], names[0]]);
  });

  it("clamp far-future times instead of growing the name", () => {
    expect(parseReady(formatReady({ ...ready, readyAt: 8.64e15 }))?.readyAt).toBe(MAX_NAME_TIME);
  });

  it.each([
    "notes.txt",
    "1234.message",
    "../0000000001-001764000000123-00000001-0-x.job",
    "0000000001-001764000000123-00000001-0-../x.job",
    "0000000001-001764000000123-00000001-0-.job",
    "0000000001-001764000000123-00000001-0-x.job.tmp",
    "9999999999-001764000000123-00000001-0-x.job",
    "000000001-001764000000123-00000001-0-x.job",
    `0000000001-001764000000123-00000001-0-${"x".repeat(129)}.job`,
  ])("refuse %s as a ready name", (name) => {
    expect(parseReady(name)).toBeUndefined();
  });

  it("order by priority, then ready time, then sequence", () => {
    const a = { ...ready, priority: 1, readyAt: 10, seq: "00000002" };
    const b = { ...ready, priority: 1, readyAt: 10, seq: "00000003" };
    const c = { ...ready, priority: 1, readyAt: 9, seq: "00000009" };
    const d = { ...ready, priority: 0, readyAt: 50, seq: "00000001" };
    expect([a, b, c, d].sort(compareReady)).toEqual([d, c, a, b]);
  });
});

describe("NameClock", () => {
  it("numbers names in order; now() never goes backwards, wall() is the clock as read", () => {
    let wall = 1_000_000;
    const clock = new NameClock({ ...systemTime, now: () => 0, wallNow: () => wall });
    const seqs = Array.from({ length: 50 }, () => clock.nextSeq());
    expect([...seqs].sort()).toEqual(seqs);
    expect(new Set(seqs).size).toBe(50);
    expect(clock.now()).toBe(1_000_000);
    wall -= 10_000;
    expect(clock.now()).toBe(1_000_000);
    expect(clock.wall()).toBe(990_000);
  });
});
