/**
 * A full disk tearing a journal line: the append is completed or turned into an error (and
 * `enqueue` then rejects, its job taken back), and a damaged line never hides a confirmed job
 * from a consumer that is already running, even with `rescanIntervalMs: 0`.
 */
import type * as Fs from "node:fs";
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMessage, encode } from "@x/message";
import { printFaultReport } from "@x/test-servers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFileQueue, type FileQueue, FileSystemError } from "../../src/index.js";
import { formatReady } from "../../src/names.js";
import { tempDirs } from "../helpers.js";

type WriteSync = (fd: number, data: Buffer, offset: number, length: number) => number;
const hooks = vi.hoisted(() => ({
  journalWrite: undefined as undefined | ((write: WriteSync, fd: number, data: Buffer, offset: number, length: number) => number),
}));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const isJournal = (fd: number): boolean => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith("/journal");
    } catch {
      return false;
    }
  };
  const writeSync = (fd: number, ...rest: unknown[]): number => {
    const hook = hooks.journalWrite;
    if (hook === undefined || !isJournal(fd)) return (fs.writeSync as (...args: unknown[]) => number)(fd, ...rest);
    // Strings (a whole line) or buffers with an offset and length: both end up as bytes here.
    const [data, offset = 0, length] = rest as [string | Buffer, number?, number?];
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    return hook((f, b, o, l) => fs.writeSync(f, b, o, l), fd, bytes, offset, length ?? bytes.length - offset);
  };
  return { ...fs, writeSync };
});

const tempDir = tempDirs();

afterEach(() => {
  hooks.journalWrite = undefined;
});

/** Reserves and acks until the queue looks empty; the ids handed out. */
async function drain(queue: FileQueue): Promise<string[]> {
  const ids: string[] = [];
  for (let job = await queue.reserve(); job; job = await queue.reserve()) {
    ids.push(job.message.id);
    await job.ack();
  }
  return ids;
}

describe("a torn journal line", () => {
  it("a full disk taking 12 bytes of a line: enqueue completes the line or rejects; nothing confirmed is hidden from a running consumer", async () => {
    const dir = tempDir();
    const consumer = createFileQueue({ dir, rescanIntervalMs: 0 });
    expect(await consumer.reserve()).toBeNull();
    const producer = createFileQueue({ dir, rescanIntervalMs: 0 });
    await producer.stats();

    // The disk fills up in the middle of the first append: 12 bytes land, then ENOSPC.
    let calls = 0;
    hooks.journalWrite = (write, fd, data, offset, length) => {
      calls++;
      if (calls === 1) return write(fd, data, offset, Math.min(12, length));
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    };
    const first = await producer.enqueue({ id: "torn", payload: 1 }).then(
      (message) => message.id,
      (error: unknown) => error,
    );
    // Space is freed.
    hooks.journalWrite = undefined;
    const second = await producer.enqueue({ id: "after", payload: 2 });

    const confirmed = [...(typeof first === "string" ? [first] : []), second.id];
    if (typeof first !== "string") {
      expect(first).toBeInstanceOf(FileSystemError);
      expect(first).toMatchObject({ syscallCode: "ENOSPC" });
    }
    const handled = await drain(consumer);
    const lost = confirmed.filter((id) => !handled.includes(id)).length;
    printFaultReport({
      scenario: "queue-file journal line torn by a full disk",
      confirmed: confirmed.length,
      handled: handled.length,
      lost,
      duplicated: handled.length - new Set(handled).size,
      rejected: typeof first === "string" ? 0 : 1,
    });
    expect(lost).toBe(0);
    // A rejected enqueue left nothing behind to be served later.
    expect(handled).toEqual(confirmed);
    expect(readdirSync(join(dir, "ready"))).toEqual([]);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    await producer.close();
    await consumer.close();
  });

  it("a line another writer left torn (killed on a full disk) neither swallows the next line nor hides its job", async () => {
    const dir = tempDir();
    const consumer = createFileQueue({ dir, rescanIntervalMs: 0 });
    expect(await consumer.reserve()).toBeNull();
    const producer = createFileQueue({ dir, rescanIntervalMs: 0 });
    // What a writer that died after a short write leaves: part of a name and no newline.
    appendFileSync(join(dir, "journal"), formatReady({ priority: 1, readyAt: 1, seq: "00000001", deliveries: 0, id: "gone" }).slice(0, 12));
    const sent = await producer.enqueue({ payload: "next" });
    expect(await drain(consumer)).toEqual([sent.id]);
    await producer.close();
    await consumer.close();
  });

  it("a damaged line makes a running consumer list ready/ at once: a job whose line was glued onto garbage is found", async () => {
    const dir = tempDir();
    const consumer = createFileQueue({ dir, rescanIntervalMs: 0 });
    expect(await consumer.reserve()).toBeNull();
    const producer = createFileQueue({ dir, rescanIntervalMs: 0 });
    // A job in ready/ whose only journal line is glued onto the torn rest of another.
    const message = createMessage({ payload: "glued" });
    const name = formatReady({ priority: 1, readyAt: Date.now(), seq: "00000001", deliveries: 0, id: message.id });
    writeFileSync(join(dir, "ready", name), encode(message));
    const torn = formatReady({ priority: 1, readyAt: 1, seq: "00000002", deliveries: 0, id: "torn" }).slice(0, 20);
    appendFileSync(join(dir, "journal"), `${torn}${name}\n`);
    expect(await drain(consumer)).toEqual([message.id]);
    await producer.close();
    await consumer.close();
  });
});
