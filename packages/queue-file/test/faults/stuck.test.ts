/**
 * Jobs stuck after partial failures: a reserve that fails after claiming its job gives the job
 * back at once; an id lock left by a killed process is broken at once; a live one gives a
 * transient, typed error.
 */
import { spawnSync } from "node:child_process";
import type * as Fs from "node:fs";
import { readdirSync, writeFileSync } from "node:fs";
import type * as FsPromises from "node:fs/promises";
import { join } from "node:path";
import { printFaultReport } from "@x/test-servers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFileQueue, FileSystemError, IdLockedError } from "../../src/index.js";
import { tempDirs } from "../helpers.js";

interface Failure {
  readonly match: (path: string, to?: string) => boolean;
  readonly code: string;
  times: number;
}
const hooks = vi.hoisted(() => ({ failOpen: undefined as Failure | undefined, failRename: undefined as Failure | undefined }));

const fail = (failure: Failure | undefined, path: string, to?: string): void => {
  if (failure && failure.times > 0 && failure.match(path, to)) {
    failure.times--;
    throw Object.assign(new Error(`${failure.code}: simulated, '${path}'`), { code: failure.code, path });
  }
};

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const openSync = (path: Fs.PathLike, ...rest: unknown[]): number => {
    fail(hooks.failOpen, String(path));
    return (fs.openSync as (...args: unknown[]) => number)(path, ...rest);
  };
  return { ...fs, openSync };
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const rename = async (from: string, to: string): Promise<void> => {
    fail(hooks.failRename, from, to);
    await fs.rename(from, to);
  };
  return { ...fs, rename };
});

const tempDir = tempDirs();

afterEach(() => {
  hooks.failOpen = undefined;
  hooks.failRename = undefined;
});

describe("a reserve that fails after claiming its job", () => {
  it.each(["EMFILE", "EIO"])(
    "%s reading the claimed job: reserve rejects with FileSystemError and the job is ready again at once, no attempt counted",
    async (code) => {
      const dir = tempDir();
      const queue = createFileQueue({ dir, ttrMs: 60_000 });
      const other = createFileQueue({ dir, ttrMs: 60_000 });
      const sent = await queue.enqueue({ payload: "claimed, then unreadable" });
      hooks.failOpen = { match: (path) => path.includes(join(dir, "reserved")), code, times: 1 };
      await expect(queue.reserve()).rejects.toMatchObject({ syscallCode: code });
      hooks.failOpen = undefined;
      // Another process gets it at once, not after the 60 s lease.
      const job = await other.reserve();
      const handled = job?.message.id === sent.id ? 1 : 0;
      printFaultReport({
        scenario: `queue-file reserve fails with ${code} after the claim`,
        confirmed: 1,
        handled,
        lost: 1 - handled,
        duplicated: 0,
      });
      expect(job?.message.id).toBe(sent.id);
      expect(job?.message.header.attempts).toBe(0);
      await job?.ack();
      await queue.close();
      await other.close();
    },
  );

  it("when the job cannot be put back either, close() gives it back", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, ttrMs: 60_000 });
    const sent = await queue.enqueue({ payload: "stranded" });
    hooks.failOpen = { match: (path) => path.includes(join(dir, "reserved")), code: "EIO", times: 1 };
    // The put-back rename fails too (the disk is in trouble for a moment).
    hooks.failRename = {
      match: (from, to) => from.includes(join(dir, "reserved")) && (to ?? "").includes(join(dir, "ready")),
      code: "EIO",
      times: 1,
    };
    await expect(queue.reserve()).rejects.toBeInstanceOf(FileSystemError);
    await queue.close();
    expect(readdirSync(join(dir, "reserved"))).toEqual([]);
    const again = createFileQueue({ dir });
    expect((await again.reserve())?.message.id).toBe(sent.id);
    await again.close();
  });
});

describe("id locks", () => {
  it("a lock left by a killed process is broken at once", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    const { pid: dead } = spawnSync(process.execPath, ["-e", "0"]);
    writeFileSync(join(dir, "tmp", "order-7.idlock"), `${dead}\n`);
    const sent = await queue.enqueue({ id: "order-7", payload: 7 });
    expect(sent.id).toBe("order-7");
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    await queue.close();
  });

  it("a lock held by a live process gives a transient IdLockedError naming the holder, not InvalidArgumentError", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    // The parent of this test process is alive and is not enqueueing anything.
    writeFileSync(join(dir, "tmp", "order-8.idlock"), `${process.ppid}\n`);
    const error = await queue.enqueue({ id: "order-8", payload: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdLockedError);
    expect(error).toMatchObject({ code: "ERR_X_FILE_QUEUE_ID_LOCKED", id: "order-8", holderPid: process.ppid, transient: true });
    await queue.close();
  });
});
