import type * as ChildProcess from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const run = vi.hoisted(() => ({ answer: undefined as undefined | { code?: string | number; stderr: string }, calls: 0 }));

vi.mock("node:child_process", async (importOriginal) => {
  const childProcess = await importOriginal<typeof ChildProcess>();
  type Done = (error: Error | null, stdout: string, stderr: string) => void;
  return {
    ...childProcess,
    execFile: (file: string, args: readonly string[], options: object, callback: Done) => {
      run.calls++;
      const answer = run.answer;
      if (answer === undefined) {
        childProcess.execFile(file, args, options, (error, stdout, stderr) => {
          callback(error, stdout, stderr);
        });
        return;
      }
      callback(Object.assign(new Error("Command failed"), { code: answer.code }), "", answer.stderr);
    },
  };
});

/** A fresh copy of the module: what it learnt is kept per process. */
const load = async () => {
  vi.resetModules();
  return import("./sync-fs.js");
};

afterEach(() => {
  run.answer = undefined;
  run.calls = 0;
});

describe("syncfsReportsErrors", () => {
  it.each([
    ["6.18.44-fc-v1272", true],
    ["6.1.0-27-amd64", true],
    ["5.8.0", true],
    ["5.10.0-8-amd64", true],
    ["5.7.19", false],
    ["4.19.0-21-amd64", false],
    ["not a version", false],
  ])("kernel %s: %s", async (kernel, expected) => {
    const { syncfsReportsErrors } = await load();
    expect(syncfsReportsErrors(kernel)).toBe(expected);
  });
});

describe("syncFileSystemAvailable", () => {
  it("is true on Linux 5.8 or later (coreutils' sync --file-system), asked once per process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "x-sync-fs-"));
    try {
      const { syncFileSystemAvailable, syncFileSystem, syncfsReportsErrors } = await load();
      const usable = process.platform === "linux" && syncfsReportsErrors(release());
      expect(await syncFileSystemAvailable(dir)).toBe(usable);
      expect(await syncFileSystemAvailable(dir)).toBe(usable);
      expect(run.calls).toBe(usable ? 1 : 0);
      if (usable) await expect(syncFileSystem(dir)).resolves.toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["no sync command", { code: "ENOENT", stderr: "" }],
    ["an old GNU sync", { code: 1, stderr: "sync: unrecognized option '--file-system'\nTry 'sync --help' for more information." }],
    ["a BSD sync", { code: 1, stderr: "sync: illegal option -- -\nusage: sync" }],
  ])("is false with %s", async (_case, answer) => {
    run.answer = answer;
    const { syncFileSystemAvailable } = await load();
    expect(await syncFileSystemAvailable("/nowhere")).toBe(false);
  });

  it("rejects on an I/O error, which says nothing about availability: the next call asks again", async () => {
    run.answer = { code: 1, stderr: "sync: error syncing '/q/tmp': Input/output error" };
    const { syncFileSystemAvailable } = await load();
    await expect(syncFileSystemAvailable("/q/tmp")).rejects.toThrow(/Command failed/);
    run.answer = { code: "ENOENT", stderr: "" };
    expect(await syncFileSystemAvailable("/q/tmp")).toBe(false);
    expect(run.calls).toBe(2);
  });
});
