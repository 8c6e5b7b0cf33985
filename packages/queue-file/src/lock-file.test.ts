import { mkdtempSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tryLock, unlock } from "./lock-file.js";

const dir = mkdtempSync(join(tmpdir(), "x-queue-file-lock-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("lock files", () => {
  it("one holder at a time; free again after unlock", async () => {
    const lock = join(dir, "a.lock");
    expect(await tryLock(lock, 60_000)).toBe(true);
    expect(readFileSync(lock, "utf8")).toBe(`${process.pid}\n`);
    expect(await tryLock(lock, 60_000)).toBe(false);
    await unlock(lock);
    expect(await tryLock(lock, 60_000)).toBe(true);
  });

  it("a lock older than the stale age is taken over", async () => {
    const lock = join(dir, "b.lock");
    expect(await tryLock(lock, 60_000)).toBe(true);
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(lock, longAgo, longAgo);
    expect(await tryLock(lock, 60_000)).toBe(true);
    expect(await tryLock(lock, 60_000)).toBe(false);
  });
});
