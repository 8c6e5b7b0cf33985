import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { directoryJournal, KEPT_CLAIMS, memoryJournal } from "./journal.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("journals", () => {
  it("a directory journal: one claim per tick across instances, the latest tick survives, old claims are pruned", async () => {
    const dir = mkdtempSync(join(tmpdir(), "x-schedule-journal-"));
    dirs.push(dir);
    const a = directoryJournal(dir);
    const b = directoryJournal(dir);
    expect(await a.last("tick")).toBeUndefined();
    const results = await Promise.all([a.claim("tick", 1_000), b.claim("tick", 1_000)]);
    expect(results.sort()).toEqual([false, true]);
    for (let t = 2; t <= 100; t++) expect(await (t % 2 === 0 ? a : b).claim("tick", t * 1_000)).toBe(true);
    expect(await directoryJournal(dir).last("tick")).toBe(100_000);
    expect(readdirSync(join(dir, "tick"))).toHaveLength(KEPT_CLAIMS);
    expect(await a.last("other")).toBeUndefined();
  });

  it("a memory journal: every claim wins, the last is the latest claimed", async () => {
    const journal = memoryJournal();
    expect(await journal.claim("tick", 2_000)).toBe(true);
    expect(await journal.claim("tick", 1_000)).toBe(true);
    expect(await journal.last("tick")).toBe(2_000);
  });
});
