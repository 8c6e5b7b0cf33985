import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { processAlive } from "./files.js";
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

  it("a lock appears with its content (written aside, then linked): no temp file is left either way", async () => {
    const aside = mkdtempSync(join(dir, "aside-"));
    const lock = join(dir, "d.lock");
    expect(await tryLock(lock, 60_000, aside)).toBe(true);
    expect(readFileSync(lock, "utf8")).toBe(lockContent());
    expect(await tryLock(lock, 60_000, aside)).toBe(false);
    expect(readdirSync(aside)).toEqual([]);
  });

  it("a killed holder its parent has not reaped yet (a zombie) counts as dead", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], { stdio: "ignore" });
    await once(child, "spawn");
    const pid = child.pid ?? Number.NaN;
    expect(processAlive(pid)).toBe(true);
    child.kill("SIGKILL");
    // Node reaps its children from the event loop: until this synchronous wait returns, the
    // killed child stays a zombie.
    const stat = (): string => readFileSync(`/proc/${String(pid)}/stat`, "latin1");
    // The kill is delivered within microseconds; the bound only keeps a broken kernel from hanging the run.
    const zombie = (): boolean => stat().includes(") Z ");
    for (let spins = 0; spins < 1_000_000 && !zombie(); spins++);
    expect(zombie()).toBe(true);
    expect(processAlive(pid)).toBe(false);
    await once(child, "exit");
  });

  it("parses only what it writes", () => {
    for (const text of ["", "abc", "-1\n", "0\n", "12 a b\n", "12\n\n", `${"9".repeat(11)}\n`])
      expect(parseLock(text), text).toBeUndefined();
    expect(parseLock("12\n")).toEqual({ pid: 12, host: undefined });
    expect(parseLock("12 host-1\n")).toEqual({ pid: 12, host: "host-1" });
  });
});
