import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockContent, parseLock, tryLock, unlock } from "./lock-file.js";

const dir = mkdtempSync(join(tmpdir(), "x-queue-file-lock-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("lock files", () => {
  it("one holder at a time; free again after unlock", async () => {
    const lock = join(dir, "a.lock");
    expect(await tryLock(lock, 60_000, dir)).toBe(true);
    expect(readFileSync(lock, "utf8")).toBe(lockContent());
    expect(parseLock(lockContent())?.pid).toBe(process.pid);
    expect(await tryLock(lock, 60_000, dir)).toBe(false);
    await unlock(lock);
    expect(await tryLock(lock, 60_000, dir)).toBe(true);
  });

  it("a lock older than the stale age is taken over", async () => {
    const lock = join(dir, "b.lock");
    expect(await tryLock(lock, 60_000, dir)).toBe(true);
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(lock, longAgo, longAgo);
    expect(await tryLock(lock, 60_000, dir)).toBe(true);
    expect(await tryLock(lock, 60_000, dir)).toBe(false);
  });

  it("a lock whose holder is a dead process of this host is broken at once; a live holder's is kept", async () => {
    const { pid: dead } = spawnSync(process.execPath, ["-e", "0"]);
    const lock = join(dir, "c.lock");
    writeFileSync(lock, `${dead}\n`);
    expect(await tryLock(lock, 60_000, dir)).toBe(true);
    writeFileSync(lock, `${process.ppid} ${parseLock(lockContent())?.host ?? ""}\n`);
    expect(await tryLock(lock, 60_000, dir)).toBe(false);
    // Another host's lock cannot be judged by pid: only its age breaks it.
    writeFileSync(lock, `${dead} some-other-host\n`);
    expect(await tryLock(lock, 60_000, dir)).toBe(false);
  });

  it("parses only what it writes", () => {
    for (const text of ["", "abc", "-1\n", "0\n", "12 a b\n", "12\n\n", `${"9".repeat(11)}\n`])
      expect(parseLock(text), text).toBeUndefined();
    expect(parseLock("12\n")).toEqual({ pid: 12, host: undefined });
    expect(parseLock("12 host-1\n")).toEqual({ pid: 12, host: "host-1" });
  });
});
