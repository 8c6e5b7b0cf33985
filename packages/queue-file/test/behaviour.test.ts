import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, silentLogger, systemTime } from "@x/core";
import { createMessage, encode, InvalidArgumentError, JobTooBigError, LeaseLostError, QueueClosedError } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFileQueue, type FileQueueOptions, FileSystemError, InvalidOptionError } from "../src/index.js";
import { formatReady } from "../src/names.js";
import { DEFAULT_RESCAN_INTERVAL_MS } from "../src/options.js";
import { type RecordedEvent, recordEvents, tempDirs } from "./helpers.js";

const tempDir = tempDirs();
const noop = (): void => undefined;

describe("options", () => {
  const bad: [string, Partial<FileQueueOptions>][] = [
    ["dir", { dir: "" }],
    ["ttrMs", { ttrMs: 0 }],
    ["ttrMs", { ttrMs: Number.NaN }],
    ["ttrMs", { ttrMs: 2 ** 31 }],
    ["fsync", { fsync: "yes" as unknown as boolean }],
    ["create", { create: "no" as unknown as boolean }],
    ["pollIntervalMs", { pollIntervalMs: -1 }],
    ["reapIntervalMs", { reapIntervalMs: Infinity }],
    ["rescanIntervalMs", { rescanIntervalMs: -5 }],
    ["journalCompactBytes", { journalCompactBytes: 0 }],
    ["maxJobBytes", { maxJobBytes: 0 }],
    ["logger", { logger: { debug: noop, info: noop, error: noop } as unknown as Logger }],
    ["time", { time: { now: () => 0 } as unknown as NonNullable<FileQueueOptions["time"]> }],
    ["time.fromFileTime", { time: { ...systemTime, fromFileTime: 5 as unknown as () => number } }],
  ];

  it.each(bad)("a bad %s is refused up front, naming the option", (option, options) => {
    expect(() => createFileQueue({ dir: "/tmp/never-created", ...options })).toThrow(
      expect.objectContaining({ code: "ERR_X_INVALID_OPTION", option }),
    );
  });

  it("refuses an unknown option (a typo, or the old onEvent and clock), listing the valid ones", () => {
    for (const key of ["ttr", "onEvent", "clock"]) {
      const options = { dir: "/tmp/never-created", [key]: 1 } as unknown as FileQueueOptions;
      expect(() => createFileQueue(options)).toThrow(InvalidOptionError);
      expect(() => createFileQueue(options)).toThrow(/valid options: create, dir, fsync, journalCompactBytes, logger, maxJobBytes/);
    }
  });

  it("takes @x/core's silent logger and system time", () => {
    expect(() => createFileQueue({ dir: "/tmp/never-created", logger: silentLogger, time: systemTime })).not.toThrow();
  });

  it("refuses a missing options object", () => {
    expect(() => createFileQueue(undefined as unknown as FileQueueOptions)).toThrow(InvalidOptionError);
  });

  it("does not touch the caller's object, nor the disk before the first call", async () => {
    const dir = join(tempDir(), "lazy");
    const options = Object.freeze({ dir, ttrMs: 1000 });
    const queue = createFileQueue(options);
    expect(readdirSync(join(dir, ".."))).toEqual([]);
    expect(queue.dir).toBe(dir);
    expect(queue.name).toBe("file");
    await queue.close();
    expect(readdirSync(join(dir, ".."))).toEqual([]);
  });

  it("rescanIntervalMs 0 turns the periodic listing off", () => {
    expect(() => createFileQueue({ dir: "/tmp/never-created", rescanIntervalMs: 0 })).not.toThrow();
  });
});

describe("enqueue", () => {
  it("refuses a job over maxJobBytes with JobTooBigError and leaves nothing behind", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, maxJobBytes: 1000 });
    const error = await queue.enqueue({ payload: "x".repeat(2000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobTooBigError);
    expect(error).toMatchObject({ limit: 1000 });
    expect(readdirSync(join(dir, "ready"))).toEqual([]);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    await queue.close();
  });

  it("round-trips jobs of every size up to maxJobBytes, small and big writes and reads alike", async () => {
    const queue = createFileQueue({ dir: tempDir(), maxJobBytes: 4 * 1024 * 1024 });
    // Around the 16 KiB first read and the 64 KiB direct write, and far past both.
    const sizes = [10, 16 * 1024, 64 * 1024, 300 * 1024, 3 * 1024 * 1024];
    for (const size of sizes) await queue.enqueue({ requestType: `size-${size}`, payload: "y".repeat(size) });
    for (const size of sizes) {
      const job = await queue.reserve();
      expect(job?.message.header.requestType).toBe(`size-${size}`);
      expect(job?.message.body.payload).toBe("y".repeat(size));
      await job?.ack();
    }
    await queue.close();
  });

  it("refuses a second live job with the same caller-chosen id; the id is free again once the job is gone", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    const other = createFileQueue({ dir });
    await queue.enqueue({ id: "order-42", payload: 1 });
    await expect(other.enqueue({ id: "order-42", payload: 2 })).rejects.toThrow(/already exists/);
    const racing = await Promise.allSettled([queue.enqueue({ id: "order-43" }), other.enqueue({ id: "order-43" })]);
    expect(racing.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(racing.find((result) => result.status === "rejected")?.reason).toBeInstanceOf(InvalidArgumentError);
    expect((await queue.stats()).ready).toBe(2);
    await (await queue.reserve())?.ack();
    await other.enqueue({ id: "order-42", payload: 3 });
    expect((await queue.peek("order-42"))?.body.payload).toBe(3);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    await queue.close();
    await other.close();
  });

  it("with fsync off the job is still complete and served", async () => {
    const queue = createFileQueue({ dir: tempDir(), fsync: false });
    const sent = await queue.enqueue({ payload: { fast: true } });
    expect((await queue.reserve())?.message).toEqual(sent);
    await queue.close();
  });
});

describe("leases across processes", () => {
  // A lease is measured on the monotonic clock from the moment a process sees its name (see
  // test/faults/clock.test.ts for steps of the wall clock); an injected clock moves it without
  // sleeping, so "not a moment before" holds however slow the machine is. The wall clock (Date,
  // faked) only says what goes into the names.
  let mono = 0;
  const time = { ...systemTime, now: () => mono, wallNow: () => Date.now() };
  const advanceTo = (wall: number): void => {
    mono += wall - Date.now();
    vi.setSystemTime(wall);
  };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("another adapter requeues a job whose holder let the lease run out, counting the attempt; not a moment before", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const holder = createFileQueue({ dir, ttrMs: 60_000, time });
    const rescuer = recordEvents(createFileQueue({ dir, ttrMs: 60_000, time }), events);
    const sent = await holder.enqueue({ payload: "held" });
    const reservedAt = Date.now();
    const first = await holder.reserve();
    expect(first?.message.header.attempts).toBe(0);
    expect(await rescuer.reserve()).toBeNull();
    advanceTo(reservedAt + 59_999);
    expect(await rescuer.reserve()).toBeNull();
    expect(events.filter((event) => event.type === "requeued")).toEqual([]);
    advanceTo(reservedAt + 60_001);
    const second = await rescuer.reserve();
    expect(second?.message.id).toBe(sent.id);
    expect(second?.message.header.attempts).toBe(1);
    expect(events).toContainEqual({ type: "requeued", id: sent.id, deliveries: 1, leaseEndedAt: reservedAt + 60_000 });
    await expect(first?.touch()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(first?.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await second?.ack();
    await holder.close();
    await rescuer.close();
  });

  it("inspect tells the lease end, and touch moves it: another adapter waits for the new end", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, ttrMs: 60_000, time });
    const other = createFileQueue({ dir, ttrMs: 60_000, time });
    const sent = await queue.enqueue({ payload: 1 });
    const before = Date.now();
    const job = await queue.reserve();
    expect(await other.reserve()).toBeNull();
    const info = await queue.inspect(sent.id);
    expect(info?.state).toBe("reserved");
    expect(info?.leaseEndsAt).toBe(before + 60_000);
    expect(info?.message.header.attempts).toBe(0);
    advanceTo(before + 50_000);
    await job?.touch();
    expect(job?.leaseMs).toBe(60_000);
    expect((await queue.inspect(sent.id))?.leaseEndsAt).toBe(before + 110_000);
    // The other process looks (as a reserving process does every reapIntervalMs) and sees the new name.
    expect(await other.reserve()).toBeNull();
    // Past the first lease end: without the touch, the job would be handed out here.
    advanceTo(before + 100_000);
    expect(await other.reserve()).toBeNull();
    advanceTo(before + 110_001);
    const again = await other.reserve();
    expect(again?.message.id).toBe(sent.id);
    expect(again?.message.header.attempts).toBe(1);
    await again?.ack();
    await queue.close();
    await other.close();
  });

  it("close gives the jobs it holds back to the queue at once", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const closing = recordEvents(createFileQueue({ dir }), events);
    const sent = await closing.enqueue({ payload: "unfinished" });
    const held = await closing.reserve();
    await closing.close();
    expect(events).toContainEqual({ type: "returned", id: sent.id });
    await expect(held?.ack()).rejects.toBeInstanceOf(QueueClosedError);
    const next = createFileQueue({ dir });
    const again = await next.reserve();
    expect(again?.message.id).toBe(sent.id);
    expect(again?.message.header.attempts).toBe(1);
    await next.close();
  });
});

describe("background failures", () => {
  it("a journal that cannot be written is reported, and enqueue rejects and takes its job back: running consumers could not see it", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const producer = recordEvents(createFileQueue({ dir, logger }), events);
    await producer.stats();
    mkdirSync(join(dir, "journal"));
    await expect(producer.enqueue({ id: "not-journalled", payload: "refused" })).rejects.toBeInstanceOf(FileSystemError);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "error", during: "journal", error: expect.any(FileSystemError) as unknown }),
    );
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ event: "error", during: "journal" }), "background task failed");
    expect(await producer.peek("not-journalled")).toBeNull();
    expect(readdirSync(join(dir, "ready"))).toEqual([]);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    await producer.close();
  });
});

describe("left-overs of dead processes", () => {
  it("temp files of dead writers and stale id locks are removed on open; live ones are kept", async () => {
    const dir = tempDir();
    await createFileQueue({ dir }).stats();
    const { pid: dead } = spawnSync(process.execPath, ["-e", "0"]);
    const tmp = join(dir, "tmp");
    const deadTemp = `${dead.toString(36)}-0123abcd.tmp`;
    const liveTemp = `${process.pid.toString(36)}-0123abcd.tmp`;
    writeFileSync(join(tmp, deadTemp), "half a job");
    writeFileSync(join(tmp, liveTemp), "a job being written");
    writeFileSync(join(tmp, "order-1.idlock"), "");
    writeFileSync(join(tmp, "order-2.idlock"), "");
    const longAgo = new Date(Date.now() - 10 * 60_000);
    utimesSync(join(tmp, "order-1.idlock"), longAgo, longAgo);
    writeFileSync(join(tmp, "someone-elses.file"), "not ours: left alone");

    const events: RecordedEvent[] = [];
    const queue = recordEvents(createFileQueue({ dir }), events);
    await queue.stats();
    expect(readdirSync(tmp).sort()).toEqual([liveTemp, "order-2.idlock", "someone-elses.file"].sort());
    expect(
      events
        .filter((event) => event.type === "cleaned")
        .map((event) => event.file)
        .sort(),
    ).toEqual([`tmp/${deadTemp}`, "tmp/order-1.idlock"].sort());
    await queue.close();
  });
});

describe("aborting a reserve", () => {
  it("loses no job and counts no attempt, wherever the abort lands", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    const sent = await queue.enqueue({ payload: "keep me" });
    let delivered = 0;
    for (let trial = 0; trial < 20; trial++) {
      const controller = new AbortController();
      const reason = new Error(`abort ${trial}`);
      const reserving = queue.reserve({ timeoutMs: 10_000, signal: controller.signal });
      // Land the abort somewhere inside the reserve's file-system calls.
      for (let turn = 0; turn < trial % 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(reason);
      const outcome = await reserving.then(
        async (job) => {
          // The reserve finished before the abort: a normal delivery, given back untouched.
          await job?.release();
          delivered++;
          return "reserved";
        },
        (error: unknown) => error,
      );
      if (outcome !== "reserved") expect(outcome).toBe(reason);
    }
    const info = await queue.inspect(sent.id);
    expect(info?.state).toBe("ready");
    const job = await queue.reserve();
    expect(job?.message.id).toBe(sent.id);
    // Only the reserves that returned the job counted a delivery.
    expect(job?.message.header.attempts).toBe(delivered);
    expect(delivered).toBeLessThan(20);
    await queue.close();
  });
});

describe("inspect", () => {
  it("reports ready, delayed, reserved and buried with the bury reason", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    const ready = await queue.enqueue({ payload: "r", priority: 9 });
    const delayed = await queue.enqueue({ payload: "d", delayMs: 60_000 });
    const buried = await queue.enqueue({ payload: "b", priority: 0 });
    const reserved = await queue.enqueue({ payload: "h", priority: 1 });
    await (await queue.reserve())?.bury("a reason\nwith two lines");
    await queue.reserve();
    expect(await queue.inspect(ready.id)).toEqual({ message: ready, state: "ready" });
    expect((await queue.inspect(delayed.id))?.state).toBe("delayed");
    expect(await queue.inspect(buried.id)).toMatchObject({ state: "buried", buryReason: "a reason\nwith two lines" });
    expect((await queue.inspect(buried.id))?.message.header.attempts).toBe(1);
    expect((await queue.inspect(reserved.id))?.state).toBe("reserved");
    expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 1, reserved: 1, buried: 1 });
    await queue.close();
  });
});

describe("index of ready jobs", () => {
  it("a job whose journal line was lost is found by the periodic rescan, every rescanIntervalMs", async () => {
    // Only the interval is fake: file-system calls and the reserve's own waits run for real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const dir = tempDir();
      const events: RecordedEvent[] = [];
      let rescanned = (): void => undefined;
      const rescan = new Promise<void>((resolve) => (rescanned = resolve));
      const queue = recordEvents(createFileQueue({ dir }), events);
      queue.on("rescanned", () => {
        rescanned();
      });
      expect(await queue.reserve()).toBeNull();
      // What a producer killed between its rename and its journal append leaves behind.
      const message = createMessage({ id: "orphan", payload: "found" });
      const name = formatReady({ priority: 1, readyAt: Date.now(), seq: "00000001", deliveries: 0, id: message.id });
      writeFileSync(join(dir, "ready", name), encode(message));
      // The journal does not name it: until the listing, the job is not seen.
      expect(await queue.reserve()).toBeNull();
      vi.advanceTimersByTime(DEFAULT_RESCAN_INTERVAL_MS - 1);
      expect(await queue.reserve()).toBeNull();
      vi.advanceTimersByTime(1);
      await rescan;
      expect(events).toContainEqual({ type: "rescanned", listed: 1, added: 1 });
      const job = await queue.reserve();
      expect(job?.message.body.payload).toBe("found");
      await queue.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("garbage in the journal is ignored", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    expect(await queue.reserve()).toBeNull();
    writeFileSync(join(dir, "journal"), "not a name\n../../etc/passwd\n\n", { flag: "a" });
    const other = createFileQueue({ dir });
    const sent = await other.enqueue({ payload: 1 });
    expect((await queue.reserve())?.message.id).toBe(sent.id);
    await queue.close();
    await other.close();
  });

  it("compacts the journal when it grows, and jobs keep flowing between processes", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const options = { dir, journalCompactBytes: 4096, fsync: false };
    const producer = recordEvents(createFileQueue(options), events);
    const consumer = recordEvents(createFileQueue(options), events);
    const sent: string[] = [];
    const got: string[] = [];
    expect(await consumer.reserve()).toBeNull();
    for (let i = 0; i < 400; i++) {
      sent.push((await producer.enqueue({ payload: i, priority: 3 })).id);
      if (i % 2 === 1) {
        const job = await consumer.reserve();
        if (job) {
          got.push(job.message.id);
          await job.ack();
        }
      }
    }
    for (let job = await consumer.reserve(); job; job = await consumer.reserve()) {
      got.push(job.message.id);
      await job.ack();
    }
    expect(got).toEqual(sent);
    const compactions = events.filter((event) => event.type === "compacted");
    expect(compactions.length).toBeGreaterThan(0);
    expect(readdirSync(dir)).not.toContain("journal.lock");
    await producer.close();
    await consumer.close();
  });
});

describe("on(event, listener)", () => {
  it("delivers until unsubscribed; a listener that throws is logged and breaks nothing", async () => {
    const dir = tempDir();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const queue = createFileQueue({ dir, logger });
    const seen: string[] = [];
    const off = queue.on("corrupt", (event) => seen.push(event.file));
    queue.on("corrupt", () => {
      throw new Error("listener bug");
    });
    await queue.stats();
    writeFileSync(join(dir, "ready", "first.txt"), "not a job");
    await queue.stats();
    off();
    off();
    writeFileSync(join(dir, "ready", "second.txt"), "not a job");
    const sent = await queue.enqueue({ payload: "still served" });
    expect(await queue.stats()).toMatchObject({ ready: 1, extra: { corrupt: 2 } });
    expect(seen).toEqual(["ready/first.txt"]);
    expect(logger.error).toHaveBeenCalledWith({ event: "corrupt", error: new Error("listener bug") }, "a listener threw");
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect((await queue.reserve())?.message.id).toBe(sent.id);
    await queue.close();
  });
});
