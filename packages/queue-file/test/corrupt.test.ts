import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createMessage, encode, type Message } from "@x/message";
import { describe, expect, it, vi } from "vitest";
import { type CorruptEvent, CorruptJobError, createFileQueue } from "../src/index.js";
import { formatReady, formatReserved } from "../src/names.js";
import { type RecordedEvent, recordEvents, tempDirs } from "./helpers.js";

const tempDir = tempDirs();

/** A ready-file name for a job of this id, urgent so it is served before the good jobs. */
const readyName = (id: string): string => formatReady({ priority: 0, readyAt: Date.now() - 1000, seq: "00000001", deliveries: 0, id });

function corruptEvents(events: RecordedEvent[]): CorruptEvent[] {
  return events.flatMap((event) => (event.type === "corrupt" ? [event] : []));
}

describe("bad files in the queue directory", () => {
  const badContents: [string, (id: string) => Buffer | string][] = [
    ["garbage bytes", () => Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80])],
    ["invalid JSON", () => "{not json"],
    ["a truncated job", (id) => encode(createMessage({ id, payload: "x".repeat(500) })).subarray(0, 120)],
    ["an empty file", () => ""],
    ["JSON that is not a message", () => JSON.stringify({ hello: "world" })],
    ["a message whose id is not the file's", () => encode(createMessage({ id: "someone-else", payload: 1 }))],
    ["a prototype-polluting message", (id) => `{"id":"${id}","header":{"__proto__":{"x":1}},"body":{}}`],
  ];

  it.each(badContents)("%s is moved aside with its reason, reported, and the queue keeps serving", async (_label, content) => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const queue = recordEvents(createFileQueue({ dir, logger }), events);
    const good = await queue.enqueue({ payload: "good", priority: 5 });
    const bad = readyName("bad-job");
    writeFileSync(join(dir, "ready", bad), content("bad-job"));

    // A fresh process (a second adapter) lists ready/ and meets the bad file first.
    const reader = recordEvents(createFileQueue({ dir, logger }), events);
    const job = await reader.reserve();
    expect(job?.message.id).toBe(good.id);
    await job?.ack();

    const [event] = corruptEvents(events);
    expect(event?.file).toBe(`ready/${bad}`);
    expect(event?.error).toBeInstanceOf(CorruptJobError);
    expect(event?.reason.length).toBeGreaterThan(0);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ event: "corrupt", reason: expect.any(String) as unknown }),
      "file moved aside: not a job",
    );
    const aside = readdirSync(join(dir, "corrupt"));
    expect(aside).toHaveLength(2);
    const note = aside.find((name) => name.endsWith(".reason.json")) ?? "";
    expect(JSON.parse(readFileSync(join(dir, "corrupt", note), "utf8"))).toMatchObject({ reason: event?.reason });
    expect(readFileSync(join(dir, "corrupt", aside.find((name) => name !== note) ?? ""))).toEqual(Buffer.from(content("bad-job")));
    expect(await reader.stats()).toMatchObject({ ready: 0, reserved: 0, extra: { corrupt: 1 } });
    await queue.close();
    await reader.close();
  });

  it("symlinks, directories, FIFOs, sockets and oversize files under job names are not followed or loaded", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const queue = recordEvents(createFileQueue({ dir, maxJobBytes: 4096 }), events);
    await queue.stats();
    const secret = join(dir, "secret.json");
    writeFileSync(secret, encode(createMessage({ id: "link", payload: "not for the queue" })));
    symlinkSync(secret, join(dir, "ready", readyName("link")));
    mkdirSync(join(dir, "ready", readyName("dir")));
    execFileSync("mkfifo", [join(dir, "ready", readyName("fifo"))]);
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(dir, "ready", readyName("sock")), resolve));
    writeFileSync(join(dir, "ready", readyName("huge")), encode(createMessage({ id: "huge", payload: "x".repeat(10_000) })));
    const good = await queue.enqueue({ payload: "good", priority: 1 });

    expect((await queue.reserve())?.message.id).toBe(good.id);
    socket.close();
    const reasons: Record<string, string> = {};
    for (const event of corruptEvents(events))
      reasons[/-(link|dir|fifo|sock|huge)\.job$/.exec(event.file)?.[1] ?? event.file] = event.reason;
    expect(reasons).toEqual({
      link: "is a symbolic link",
      dir: "is not a regular file",
      fifo: "is not a regular file",
      sock: "is not a regular file",
      huge: expect.stringContaining("over the limit of 4096 bytes") as unknown,
    });
    // The symlink itself was moved; its target is untouched.
    expect(existsSync(secret)).toBe(true);
    await queue.close();
  });

  it("a stranger's file names in the state directories are moved aside when listed", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const queue = recordEvents(createFileQueue({ dir }), events);
    const good = await queue.enqueue({ payload: "good" });
    writeFileSync(join(dir, "ready", "notes.txt"), "hello");
    writeFileSync(join(dir, "ready", "1234.message"), JSON.stringify({ id: "1234", header: {}, body: {} }));
    writeFileSync(join(dir, "reserved", "lock.message.lock"), "pulpo was here");
    writeFileSync(join(dir, "buried", "x.job"), "?");
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0, buried: 0, extra: { corrupt: 4 } });
    expect(
      corruptEvents(events)
        .map((event) => event.file)
        .sort(),
    ).toEqual(["buried/x.job", "ready/1234.message", "ready/notes.txt", "reserved/lock.message.lock"]);
    expect(corruptEvents(events).every((event) => event.reason.includes("not a file name this queue writes"))).toBe(true);
    expect((await queue.reserve())?.message.id).toBe(good.id);
    await queue.close();
  });

  it("a corrupt file found by peek is moved aside and reads as no job", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const queue = recordEvents(createFileQueue({ dir }), events);
    await queue.stats();
    writeFileSync(
      join(
        dir,
        "reserved",
        formatReserved({ leaseEndsAt: Date.now() + 60_000, token: "0badf00d", priority: 1, deliveries: 1, id: "half" }),
      ),
      '{"id":"half","hea',
    );
    expect(await queue.peek("half")).toBeNull();
    expect(corruptEvents(events)).toHaveLength(1);
    expect(await queue.inspect("half")).toBeNull();
    await queue.close();
  });

  it("a directory holding a queue of another format is refused", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "queue-file.json"), JSON.stringify({ format: "something-else", version: 9 }));
    const queue = createFileQueue({ dir });
    await expect(queue.enqueue({ payload: 1 })).rejects.toThrow(/another format/);
    await queue.close();
  });
});

describe("hostile ids", () => {
  const hostile = ["../x", "../../etc/passwd", "/etc/passwd", "a/b", "", ".hidden", "x\u0000y", "a b", "é", "x".repeat(200)];

  it.each(hostile)("%j is rejected by enqueue, peek, inspect and delete with InvalidArgumentError", async (id) => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await expect(queue.enqueue({ id, payload: 1 })).rejects.toMatchObject({ code: "ERR_X_QUEUE_INVALID_ARGUMENT", argument: "id" });
    await expect(queue.peek(id)).rejects.toMatchObject({ code: "ERR_X_QUEUE_INVALID_ARGUMENT", argument: "id" });
    await expect(queue.inspect(id)).rejects.toMatchObject({ code: "ERR_X_QUEUE_INVALID_ARGUMENT", argument: "id" });
    await expect(queue.delete(id)).rejects.toMatchObject({ code: "ERR_X_QUEUE_INVALID_ARGUMENT", argument: "id" });
    expect(readdirSync(join(dir, "ready"))).toEqual([]);
    await queue.close();
  });

  it("an id that is not a string is rejected too", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await expect(queue.peek(42 as unknown as string)).rejects.toMatchObject({ argument: "id" });
    await queue.close();
  });
});

export type { Message };
