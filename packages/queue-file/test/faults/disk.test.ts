/**
 * Full and read-only disks, on a small tmpfs mounted for the test. Mounting needs root: without
 * it the scenarios are skipped with a printed reason (the one skip the fault suite allows).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { XError } from "@x/core";
import { printFaultReport, soakScale } from "@x/test-servers";
import { afterAll, describe, expect, it } from "vitest";
import { createFileQueue, type FileQueue, FileSystemError } from "../../src/index.js";
import { tempDirs } from "../helpers.js";

const tempDir = tempDirs();
const isRoot = process.getuid?.() === 0;
if (!isRoot) process.stdout.write("queue-file disk faults skipped: mounting a small tmpfs needs root\n");

const mounted: string[] = [];
afterAll(() => {
  for (const point of mounted.reverse()) execFileSync("umount", ["-l", point]);
});

/** A fresh tmpfs of `size` (as mount takes it: 512k). */
function smallDisk(size: string): string {
  const point = tempDir();
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", point]);
  mounted.push(point);
  return point;
}

/** Reserves and acks until the queue looks empty; the ids handed out. */
async function drain(queue: FileQueue): Promise<string[]> {
  const ids: string[] = [];
  for (let job = await queue.reserve(); job; job = await queue.reserve()) {
    ids.push(job.message.id);
    await job.ack();
  }
  return ids;
}

describe.skipIf(!isRoot)("disk faults (tmpfs)", () => {
  it("enqueue until the disk is full: every enqueue resolves (and its job is served) or rejects with a typed error; after space is freed the queue works again", async () => {
    const dir = join(smallDisk("512k"), "queue");
    const producer = createFileQueue({ dir });
    const consumer = createFileQueue({ dir, rescanIntervalMs: 0 });
    expect(await consumer.reserve()).toBeNull();
    const confirmed: string[] = [];
    const rejections = new Map<string, number>();
    let handled: string[] = [];
    const rounds = soakScale(2, 20);
    for (let round = 0; round < rounds; round++) {
      // Sizes that land the journal's page boundaries, and the disk's last bytes, in varying places.
      for (let n = 0, refusedInARow = 0; refusedInARow < 20 && n < 5_000; n++) {
        const payload = "x".repeat(200 + ((n * 37 + round * 101) % 3_000));
        const result = await producer.enqueue({ payload }).then(
          (message) => message.id,
          (error: unknown) => error,
        );
        if (typeof result === "string") {
          confirmed.push(result);
          refusedInARow = 0;
          continue;
        }
        refusedInARow++;
        expect(result).toBeInstanceOf(XError);
        const code = result instanceof FileSystemError ? (result.syscallCode ?? "none") : (result as XError).code;
        rejections.set(code, (rejections.get(code) ?? 0) + 1);
      }
      // Freeing space: a running consumer serves every confirmed job (none hidden, none lost).
      handled = [...handled, ...(await drain(consumer))];
    }
    const after = await producer.enqueue({ payload: "space again" });
    confirmed.push(after.id);
    handled = [...handled, ...(await drain(consumer))];
    const handledSet = new Set(handled);
    const lost = confirmed.filter((id) => !handledSet.has(id)).length;
    printFaultReport({
      scenario: "queue-file full disk (tmpfs 512k)",
      confirmed: confirmed.length,
      handled: handledSet.size,
      lost,
      duplicated: handled.length - handledSet.size,
      rejected: [...rejections.values()].reduce((a, b) => a + b, 0),
      rejectedBy: JSON.stringify(Object.fromEntries(rejections)),
    });
    expect(lost).toBe(0);
    expect(handledSet.size).toBe(handled.length);
    // Rejected enqueues left nothing to be served later.
    expect(handled.length).toBe(confirmed.length);
    expect([...rejections.keys()]).toEqual(["ENOSPC"]);
    await producer.close();
    await consumer.close();
  });

  it("a disk that turns read-only: typed errors, no crash, no hang; the jobs are served once it is writable again", async () => {
    const disk = smallDisk("1m");
    // The queue runs on a bind mount of the disk. `remount,ro` is refused while the running
    // queue holds its journal open for writing, so the path is swapped under the running process
    // for a read-only bind of the same disk: every call by path then meets EROFS, as on a disk
    // the kernel turned read-only.
    const view = tempDir();
    execFileSync("mount", ["--bind", disk, view]);
    mounted.push(view);
    const dir = join(view, "queue");
    mkdirSync(dir);
    const queue = createFileQueue({ dir });
    const sent = [await queue.enqueue({ payload: 1 }), await queue.enqueue({ payload: 2 })].map((message) => message.id);
    const held = await queue.reserve();
    execFileSync("umount", ["-l", view]);
    execFileSync("mount", ["--bind", disk, view]);
    execFileSync("mount", ["-o", "remount,bind,ro", view]);
    const readOnly = createFileQueue({ dir });
    const outcomes: Record<string, string> = {};
    const record = async (call: string, run: () => Promise<unknown>): Promise<void> => {
      outcomes[call] = await run().then(
        () => "ok",
        (error: unknown) =>
          error instanceof FileSystemError
            ? `FileSystemError ${error.syscallCode ?? ""}`
            : error instanceof XError
              ? error.code
              : "untyped",
      );
    };
    for (const [name, adapter] of [
      ["running", queue],
      ["opened read-only", readOnly],
    ] as const) {
      await record(`${name} enqueue`, () => adapter.enqueue({ payload: 3 }));
      await record(`${name} reserve`, () => adapter.reserve());
      await record(`${name} stats`, () => adapter.stats());
      await record(`${name} peek`, () => adapter.peek(sent[1] ?? ""));
      await record(`${name} kick`, () => adapter.kick(1));
    }
    await record("ack of a held job", async () => held?.ack());
    for (const [call, outcome] of Object.entries(outcomes)) expect(outcome, call).not.toBe("untyped");
    expect(outcomes["running enqueue"]).toBe("FileSystemError EROFS");
    expect(outcomes["opened read-only enqueue"]).toBe("FileSystemError EROFS");
    expect(outcomes["ack of a held job"]).toBe("FileSystemError EROFS");
    await readOnly.close();

    execFileSync("mount", ["-o", "remount,bind,rw", view]);
    await held?.ack();
    const handled = [held?.message.id ?? "", ...(await drain(queue))];
    const lost = sent.filter((id) => !handled.includes(id)).length;
    printFaultReport({
      scenario: "queue-file read-only disk",
      confirmed: sent.length,
      handled: handled.length,
      lost,
      duplicated: handled.length - new Set(handled).size,
      outcomes: JSON.stringify(outcomes),
    });
    expect(lost).toBe(0);
    await queue.close();
  });
});
