/**
 * What the queue asks of the file system, call by call. Power loss cannot be simulated in a test,
 * so durability is proven by the protocol it rests on: the job's bytes are flushed before the
 * rename makes them visible, and the directory holding the new name is flushed before `enqueue`
 * resolves. The same log shows that `reserve` never lists `ready/` nor opens a job it does not
 * hand out.
 */
import type * as ChildProcess from "node:child_process";
import type * as Fs from "node:fs";
import { readdirSync } from "node:fs";
import type * as FsPromises from "node:fs/promises";
import { join, relative } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFileQueue, FileSystemError } from "../src/index.js";
import { tempDirs } from "./helpers.js";

const calls = vi.hoisted(() => ({
  log: [] as string[],
  paths: new Map<number, string>(),
  /** While set, an fsync of a path ending in this waits for {@link calls.release} before it starts. */
  holdFsyncOf: undefined as string | undefined,
  held: [] as (() => void)[],
  /** While set, `sync --file-system` fails as after an I/O error. */
  failSyncfs: false,
}));

vi.mock("node:child_process", async (importOriginal) => {
  const childProcess = await importOriginal<typeof ChildProcess>();
  type Done = (error: Error | null, stdout: string, stderr: string) => void;
  return {
    ...childProcess,
    execFile: (file: string, args: readonly string[], options: object, callback: Done) => {
      const path = args[args.length - 1] ?? "";
      calls.log.push(`syncfs ${path}`);
      if (calls.failSyncfs) {
        const error = Object.assign(new Error("Command failed: sync"), { code: 1 });
        callback(error, "", `sync: error syncing '${path}': Input/output error`);
        return;
      }
      childProcess.execFile(file, args, options, (error, stdout, stderr) => {
        calls.log.push(`synced ${path}`);
        callback(error, stdout, stderr);
      });
    },
  };
});

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  type OpenCallback = (error: NodeJS.ErrnoException | null, fd: number) => void;
  type DoneCallback = (error: NodeJS.ErrnoException | null) => void;
  return {
    ...fs,
    open: (path: string, flags: string | number, ...rest: unknown[]) => {
      const callback = rest.pop() as OpenCallback;
      const mode = rest[0] as number | undefined;
      fs.open(path, flags, mode, (error, fd) => {
        if (!error) calls.paths.set(fd, path);
        callback(error, fd);
      });
    },
    fsync: (fd: number, callback: DoneCallback) => {
      const path = calls.paths.get(fd) ?? `fd ${fd}`;
      calls.log.push(`fsync ${path}`);
      const run = (): void => {
        fs.fsync(fd, (error) => {
          calls.log.push(`fsynced ${path}`);
          callback(error);
        });
      };
      if (calls.holdFsyncOf !== undefined && path.endsWith(calls.holdFsyncOf)) calls.held.push(run);
      else run();
    },
    openSync: (path: string, flags: number, mode?: number) => {
      calls.log.push(`openSync ${path}`);
      return fs.openSync(path, flags, mode);
    },
  };
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      await fs.rename(from, to);
      calls.log.push(`renamed ${from} -> ${to}`);
    },
    readdir: (path: string) => {
      calls.log.push(`readdir ${path}`);
      return fs.readdir(path);
    },
  };
});

const tempDir = tempDirs();

beforeEach(() => {
  calls.log.length = 0;
  calls.holdFsyncOf = undefined;
  calls.failSyncfs = false;
  for (const run of calls.held.splice(0)) run();
});

/** The log with paths relative to the queue directory, and temp names made generic. */
const logOf = (dir: string): string[] =>
  calls.log.map((line) => line.replaceAll(/\/[^ ]+/g, (path) => relative(dir, path).replace(/^tmp\/[^ ]+$/, "tmp/x") || "."));

describe("enqueue", () => {
  it("flushes the job before it becomes visible, and the directory before it resolves", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    calls.log.length = 0;
    const sent = await queue.enqueue({ payload: "durable" });
    calls.log.push("enqueue resolved");
    const log = logOf(dir);
    const name = /^renamed tmp\/x -> (ready\/.+)$/.exec(log.find((line) => line.startsWith("renamed")) ?? "")?.[1] ?? "";
    expect(name).toContain(sent.id);
    expect(log).toEqual(["fsync tmp/x", "fsynced tmp/x", `renamed tmp/x -> ${name}`, "fsync ready", "fsynced ready", "enqueue resolved"]);
    await queue.close();
  });

  it("with fsync: false, flushes nothing", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, fsync: false });
    await queue.stats();
    calls.log.length = 0;
    await queue.enqueue({ payload: "fast" });
    expect(logOf(dir).filter((line) => line.startsWith("fsync"))).toEqual([]);
    expect(logOf(dir).filter((line) => line.startsWith("renamed tmp/x -> ready/"))).toHaveLength(1);
    await queue.close();
  });

  it("flushes every directory it creates into its parent, and the format marker", async () => {
    const dir = `${tempDir()}/new/queue`;
    const queue = createFileQueue({ dir });
    await queue.stats();
    const flushed = logOf(dir).filter((line) => line.startsWith("fsynced"));
    expect(flushed).toEqual([
      "fsynced ../..",
      "fsynced ..",
      "fsynced .",
      "fsynced .",
      "fsynced .",
      "fsynced .",
      "fsynced .",
      "fsynced .",
      "fsynced tmp/x",
      "fsynced .",
    ]);
    expect(logOf(dir)).toContain("renamed tmp/x -> queue-file.json");
    await queue.close();
  });
});

/** How long a test waits for the file system calls it holds back to be reached (a loaded machine is slow). */
const WAIT = { timeout: 30_000, interval: 5 };

describe("concurrent enqueues (group commit)", () => {
  /**
   * Checks the group-commit rule on a log: every job's enqueue resolved after an fsync of
   * `ready/` that began after its rename. Flushes of one directory never overlap (one runs at a
   * time), so the n-th `fsync ready` pairs with the n-th `fsynced ready`.
   */
  const expectEachCovered = (log: readonly string[], ids: readonly string[]): void => {
    const started = log.flatMap((line, at) => (line === "fsync ready" ? [at] : []));
    const ended = log.flatMap((line, at) => (line === "fsynced ready" ? [at] : []));
    expect(ended).toHaveLength(started.length);
    for (const [n, at] of started.entries()) expect(at).toBeGreaterThan(ended[n - 1] ?? -1);
    for (const id of ids) {
      const renamed = log.findIndex((line) => line.startsWith("renamed tmp/x -> ready/") && line.endsWith(`-${id}.job`));
      const resolved = log.indexOf(`enqueue resolved ${id}`);
      expect(renamed, `rename of ${id}`).toBeGreaterThanOrEqual(0);
      expect(resolved, `resolution of ${id}`).toBeGreaterThan(renamed);
      const covering = started.findIndex((at, n) => at > renamed && (ended[n] ?? Infinity) < resolved);
      expect(covering, `a flush of ready/ between the rename and the resolution of ${id}`).toBeGreaterThanOrEqual(0);
    }
  };

  it("share flushes of ready/, and none resolves before a flush that began after its rename", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    calls.log.length = 0;
    // The first flush of ready/ is held until every job is renamed: the rest arrive while it runs.
    calls.holdFsyncOf = "/ready";
    const count = 16;
    const enqueues = Array.from({ length: count }, (_, n) =>
      queue.enqueue({ payload: n }).then((message) => {
        calls.log.push(`enqueue resolved ${message.id}`);
        return message.id;
      }),
    );
    // The flush's start (an open of ready/ first, on the thread pool) may come after the last
    // rename on a loaded machine: both are waited for.
    await vi.waitFor(() => {
      expect(logOf(dir).filter((line) => line.startsWith("renamed tmp/"))).toHaveLength(count);
      expect(calls.held).toHaveLength(1);
    }, WAIT);
    // Whatever the first flush covers, no enqueue has resolved yet: none of them is durable.
    expect(calls.log.filter((line) => line.startsWith("enqueue resolved"))).toEqual([]);
    calls.holdFsyncOf = undefined;
    for (const run of calls.held.splice(0)) run();
    const ids = await Promise.all(enqueues);
    const log = logOf(dir);
    expectEachCovered(log, ids);
    // The first flush, and one more (one, however many) for the renames that came after it began:
    // 16 jobs never cost more than two flushes of ready/. A rename logged after the first fsync
    // call surely needs the second; one that completed while the flush opened ready/ (before that
    // call, on a loaded machine) may have one too.
    const firstFlush = log.indexOf("fsync ready");
    const renamedDuring = log.filter((line, at) => at > firstFlush && line.startsWith("renamed tmp/x -> ready/")).length;
    const flushes = log.filter((line) => line === "fsync ready").length;
    expect(flushes).toBeGreaterThanOrEqual(renamedDuring > 0 ? 2 : 1);
    expect(flushes).toBeLessThanOrEqual(2);
    expect(log.filter((line) => line.startsWith("fsync tmp/"))).toHaveLength(count);
    await queue.close();
  });

  it("a job renamed while a flush of ready/ runs waits for the next flush", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    calls.log.length = 0;
    calls.holdFsyncOf = "/ready";
    const first = queue.enqueue({ payload: "first" });
    await vi.waitFor(() => {
      expect(calls.held).toHaveLength(1);
    }, WAIT);
    // The flush has started (held inside the fsync call); this job's rename comes after its start.
    const second = queue.enqueue({ payload: "second" }).then((message) => {
      calls.log.push(`enqueue resolved ${message.id}`);
      return message.id;
    });
    await vi.waitFor(() => {
      expect(logOf(dir).filter((line) => line.startsWith("renamed tmp/"))).toHaveLength(2);
    }, WAIT);
    for (const run of calls.held.splice(0)) run();
    const firstId = (await first).id;
    calls.log.push(`enqueue resolved ${firstId}`);
    await vi.waitFor(() => {
      expect(calls.held).toHaveLength(1);
    }, WAIT);
    // The second flush is held: the second job, renamed after the first flush began, is not confirmed.
    expect(calls.log.some((line) => line.startsWith("enqueue resolved") && !line.endsWith(firstId))).toBe(false);
    calls.holdFsyncOf = undefined;
    for (const run of calls.held.splice(0)) run();
    const secondId = await second;
    expectEachCovered(logOf(dir), [firstId, secondId]);
    await queue.close();
  });
});

describe("enqueueMany", () => {
  it("flushes every job before its rename, then ready/ once, before it resolves", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    calls.log.length = 0;
    const results = await queue.enqueueMany(Array.from({ length: 50 }, (_, n) => ({ payload: n })));
    calls.log.push("enqueueMany resolved");
    expect(results.every((result) => result.ok)).toBe(true);
    const log = calls.log.map((line) => line.replaceAll(`${dir}/`, ""));
    const renames = log.flatMap((line, at) => (line.startsWith("renamed tmp/") ? [{ at, temp: line.split(" ")[1] ?? "" }] : []));
    expect(renames).toHaveLength(50);
    for (const { at, temp } of renames) expect(log.indexOf(`fsynced ${temp}`)).toBeLessThan(at);
    // One flush of ready/ for the whole batch, after the last rename, before the call resolves.
    expect(log.filter((line) => line === "fsync ready")).toEqual(["fsync ready"]);
    expect(log.indexOf("fsynced ready")).toBeGreaterThan(Math.max(...renames.map(({ at }) => at)));
    expect(log.indexOf("fsynced ready")).toBeLessThan(log.indexOf("enqueueMany resolved"));
    await queue.close();
  });
});

describe("enqueueMany of a big batch", () => {
  it("flushes the whole file system once (syncfs) before the first rename, not each job file", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    calls.log.length = 0;
    const results = await queue.enqueueMany(Array.from({ length: 100 }, (_, n) => ({ payload: n })));
    calls.log.push("enqueueMany resolved");
    expect(results.every((result) => result.ok)).toBe(true);
    const log = logOf(dir);
    expect(log.filter((line) => line.startsWith("fsync tmp/"))).toEqual([]);
    const renames = log.flatMap((line, at) => (line.startsWith("renamed tmp/") ? [at] : []));
    expect(renames).toHaveLength(100);
    // The first batch of the process also asks once whether the command exists (a flush too).
    const synced = log.lastIndexOf("synced tmp");
    expect(synced).toBeGreaterThanOrEqual(0);
    expect(synced).toBeLessThan(Math.min(...renames));
    expect(log.filter((line) => line === "fsync ready")).toEqual(["fsync ready"]);
    expect(log.indexOf("fsynced ready")).toBeGreaterThan(Math.max(...renames));
    expect(log.indexOf("fsynced ready")).toBeLessThan(log.indexOf("enqueueMany resolved"));
    expect(await queue.stats()).toMatchObject({ ready: 100 });
    await queue.close();
  });

  it("when that flush fails, every job of the batch fails with the error, none is visible, and the queue goes on", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    // Learn that the command exists first, so that the failure below is the batch's own flush.
    expect((await queue.enqueueMany(Array.from({ length: 64 }, (_, n) => ({ payload: n })))).every((r) => r.ok)).toBe(true);
    const before = await queue.stats();
    calls.failSyncfs = true;
    const results = await queue.enqueueMany(Array.from({ length: 80 }, (_, n) => ({ payload: n })));
    expect(results).toHaveLength(80);
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toBeInstanceOf(FileSystemError);
        expect(result.error.message).toMatch(/cannot flush .*tmp/);
      }
    }
    expect(await queue.stats()).toEqual(before);
    expect(readdirSync(join(dir, "tmp")).filter((name) => !name.startsWith("."))).toEqual([]);
    calls.failSyncfs = false;
    const sent = await queue.enqueue({ payload: "after" });
    expect((await queue.peek(sent.id))?.body).toEqual({ payload: "after" });
    await queue.close();
  });
});

describe("reserve", () => {
  it("never lists ready/ after its first look, and opens only the job it hands out", async () => {
    const dir = tempDir();
    const producer = createFileQueue({ dir, fsync: false });
    for (let n = 0; n < 500; n++) await producer.enqueue({ payload: n, priority: n % 7 });
    // The periodic safety listing is off: what is measured is the cost of reserve itself.
    const consumer = createFileQueue({ dir, rescanIntervalMs: 0 });
    await (await consumer.reserve())?.ack();
    calls.log.length = 0;
    for (let n = 0; n < 200; n++) await (await consumer.reserve())?.ack();
    const log = logOf(dir);
    expect(log.filter((line) => line === "readdir ready")).toEqual([]);
    const opened = log.filter((line) => line.startsWith("openSync "));
    expect(opened).toHaveLength(200);
    // Claimed first (renamed into reserved/), read after.
    expect(opened.every((line) => line.startsWith("openSync reserved/"))).toBe(true);
    await producer.close();
    await consumer.close();
  });
});
