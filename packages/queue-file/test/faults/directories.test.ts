/**
 * The queue directory deleted under running processes (recovered: re-created as on first use),
 * and a queue created under a umask that strips the owner's bits (0277).
 */
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printFaultReport, runTs } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../../src/index.js";
import { type RecordedEvent, recordEvents, tempDirs } from "../helpers.js";

const tempDir = tempDirs();
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("the queue directory deleted under a running worker", () => {
  it("is re-created by the next call, and jobs flow again; also when another process re-created it first", async () => {
    const dir = join(tempDir(), "queue");
    const events: RecordedEvent[] = [];
    const worker = recordEvents(createFileQueue({ dir, rescanIntervalMs: 0 }), events);
    const producer = createFileQueue({ dir });
    const confirmed: string[] = [];
    const handled: string[] = [];
    const work = async (): Promise<void> => {
      for (let job = await worker.reserve({ timeoutMs: 200 }); job; job = await worker.reserve({ timeoutMs: 200 })) {
        handled.push(job.message.id);
        await job.ack();
      }
    };
    confirmed.push((await producer.enqueue({ payload: 1 })).id);
    await work();

    rmSync(dir, { recursive: true, force: true });
    // The worker keeps polling without an error, and the producer's next job is served.
    expect(await worker.reserve()).toBeNull();
    confirmed.push((await producer.enqueue({ payload: 2 })).id);
    await work();

    // Deleted again, and re-created by a process that opens it afresh.
    rmSync(dir, { recursive: true, force: true });
    const fresh = createFileQueue({ dir });
    confirmed.push((await fresh.enqueue({ payload: 3 })).id);
    await work();
    confirmed.push((await producer.enqueue({ payload: 4 })).id);
    await work();

    const lost = confirmed.filter((id) => !handled.includes(id)).length;
    printFaultReport({
      scenario: "queue-file directory deleted under a running worker",
      confirmed: confirmed.length,
      handled: handled.length,
      lost,
      duplicated: handled.length - new Set(handled).size,
    });
    expect(handled).toEqual(confirmed);
    expect(events).toContainEqual(expect.objectContaining({ type: "error", during: "recover" }));
    expect(mode(dir)).toBe("700");
    expect(existsSync(join(dir, "queue-file.json"))).toBe(true);
    await Promise.all([worker.close(), producer.close(), fresh.close()]);
  });
});

/** Root ignores file modes; `nobody` does not, so the child runs as `nobody` when we are root. */
const otherUser = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : {};

describe("umask 0277", () => {
  it("a queue is created and used under umask 0277, by two processes one after the other; directories 0700, files 0600", async () => {
    const parent = tempDir();
    chmodSync(parent, 0o777);
    const dir = join(parent, "queue");
    const fixture = fileURLToPath(new URL("../fixtures/umask-queue.ts", import.meta.url));
    for (const expected of [3, 4]) {
      const result = await runTs(fixture, [dir], otherUser);
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout.trim())).toEqual({ ok: true, handled: expected });
    }
    for (const sub of ["", "ready", "reserved", "buried", "tmp", "corrupt"]) expect(mode(join(dir, sub)), `${sub}/`).toBe("700");
    const files = [
      join(dir, "journal"),
      join(dir, "queue-file.json"),
      ...readdirSync(join(dir, "ready")).map((name) => join(dir, "ready", name)),
    ];
    expect(files).toHaveLength(3);
    for (const file of files) expect(mode(file), file).toBe("600");
  });
});
