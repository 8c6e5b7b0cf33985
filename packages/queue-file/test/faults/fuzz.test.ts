/**
 * Fuzzing every decoder of the package (file names, journal lines, job files, lock files, the
 * format marker) with a fixed seed: only documented typed errors or the documented move to
 * `corrupt/` may result, never a crash, and never a hidden job. ~2,000 inputs each by default,
 * 50,000 under `pnpm soak`.
 */
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XError } from "@x/core";
import { createMessage, encode } from "@x/message";
import { printFaultReport, soakScale } from "@x/test-servers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFileQueue, ForeignDirectoryError, IdLockedError } from "../../src/index.js";
import { parseLock } from "../../src/lock-file.js";
import { formatReady, formatReserved, parseBuried, parseReady, parseReserved } from "../../src/names.js";
import { type RecordedEvent, recordEvents, tempDirs } from "../helpers.js";

const tempDir = tempDirs();
const runs = soakScale(2_000, 50_000);
const settings = { seed: 13, numRuns: runs };

/** Bytes, text, and valid names with a piece replaced: the inputs a torn or hostile file holds. */
const validName = fc
  .record({
    priority: fc.nat(),
    readyAt: fc.nat(),
    seq: fc.stringMatching(/^[0-9a-z]{8}$/),
    deliveries: fc.nat(99),
    id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/),
  })
  .map((name) => formatReady(name));
const mutated = fc.tuple(validName, fc.nat(), fc.nat(8), fc.string({ unit: "binary", maxLength: 8 })).map(([name, at, cut, insert]) => {
  const start = at % (name.length + 1);
  return `${name.slice(0, start)}${insert}${name.slice(start + cut)}`;
});
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  mutated,
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);

describe("fuzzing the decoders", () => {
  it("file names: the three parsers never throw, and what they accept is well-formed", () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        for (const parsed of [parseReady(name), parseReserved(name), parseBuried(name)]) {
          if (parsed === undefined) continue;
          expect(Number.isSafeInteger(parsed.priority) && parsed.priority >= 0 && parsed.priority <= 2 ** 32 - 1).toBe(true);
          expect(Number.isSafeInteger(parsed.deliveries)).toBe(true);
          expect(parsed.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
        }
      }),
      settings,
    );
    printFaultReport({ scenario: "queue-file fuzz: file names", confirmed: 0, handled: 0, lost: 0, duplicated: 0, inputs: runs });
  });

  it("lock files: the parser never throws; only digits, an optional host and a newline are a holder", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const holder = parseLock(text);
        if (holder !== undefined) expect(Number.isSafeInteger(holder.pid) && holder.pid > 0).toBe(true);
      }),
      settings,
    );
    printFaultReport({ scenario: "queue-file fuzz: lock files", confirmed: 0, handled: 0, lost: 0, duplicated: 0, inputs: runs });
  });

  it("journal lines: whatever lands in the journal, a running consumer (no periodic rescan) serves every job enqueued after it", async () => {
    const dir = tempDir();
    const consumer = createFileQueue({ dir, fsync: false, rescanIntervalMs: 0 });
    const producer = createFileQueue({ dir, fsync: false, rescanIntervalMs: 0 });
    expect(await consumer.reserve()).toBeNull();
    let confirmed = 0;
    let handled = 0;
    await fc.assert(
      fc.asyncProperty(hostileText, fc.boolean(), async (garbage, newline) => {
        appendFileSync(join(dir, "journal"), Buffer.from(`${garbage}${newline ? "\n" : ""}`, "latin1"));
        const sent = await producer.enqueue({ payload: garbage.length });
        confirmed++;
        const job = await consumer.reserve();
        expect(job?.message.id).toBe(sent.id);
        handled++;
        await job?.ack();
      }),
      settings,
    );
    printFaultReport({
      scenario: "queue-file fuzz: journal lines",
      confirmed,
      handled,
      lost: confirmed - handled,
      duplicated: 0,
      inputs: runs,
    });
    await producer.close();
    await consumer.close();
  });

  it("job files: a file of any bytes under a job's name is served (when it is that job) or moved to corrupt/, and the real job next to it is served", async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const queue = recordEvents(createFileQueue({ dir, fsync: false, maxJobBytes: 4096 }), events);
    await queue.stats();
    // A valid job of this id, or (for payloads createMessage refuses, such as a `__proto__` key)
    // the same JSON written by hand, which the decoder must refuse too.
    const validJob = fc.record({ payload: fc.jsonValue({ maxDepth: 3 }) }).map((init) => {
      try {
        return Buffer.from(encode(createMessage({ id: "fuzzed", ...init }))).toString("latin1");
      } catch {
        return JSON.stringify({ id: "fuzzed", header: { priority: 1, attempts: 0 }, body: init });
      }
    });
    const truncated = fc.tuple(validJob, fc.nat()).map(([text, at]) => text.slice(0, at % (text.length + 1)));
    const content = fc.oneof(hostileText, validJob, truncated, fc.string({ maxLength: 5_000 }));
    let confirmed = 0;
    let handled = 0;
    let moved = 0;
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        const name = formatReady({ priority: 0, readyAt: 0, seq: "00000000", deliveries: 0, id: "fuzzed" });
        writeFileSync(join(dir, "ready", name), Buffer.from(text, "latin1"));
        // Announced as a producer would: renamed into ready/, then its name in the journal.
        appendFileSync(join(dir, "journal"), `\n${name}\n`);
        const sent = await queue.enqueue({ payload: "real", priority: 1 });
        confirmed++;
        const ids: string[] = [];
        for (let job = await queue.reserve(); job; job = await queue.reserve()) {
          ids.push(job.message.id);
          await job.ack();
        }
        expect(ids.filter((id) => id !== "fuzzed")).toEqual([sent.id]);
        handled++;
        if (!ids.includes("fuzzed")) moved++;
        // Now and then (they list the queue): nothing of it is left to find, and corrupt/ is emptied.
        if (confirmed % 100 === 0) {
          expect(await queue.peek("fuzzed")).toBeNull();
          rmSync(join(dir, "corrupt"), { recursive: true, force: true });
          mkdirSync(join(dir, "corrupt"));
        }
      }),
      settings,
    );
    expect(events.filter((event) => event.type === "corrupt")).toHaveLength(moved);
    printFaultReport({
      scenario: "queue-file fuzz: job files",
      confirmed,
      handled,
      lost: confirmed - handled,
      duplicated: 0,
      inputs: runs,
      movedAside: moved,
    });
    await queue.close();
  });

  it("reserved names and id locks: any bytes in a lock, and names of any lease end, give a job or a typed error", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, fsync: false });
    await queue.stats();
    let n = 0;
    const outcomes = new Map<string, number>();
    const longAgo = new Date(Date.now() - 10 * 60_000);
    // Mostly locks older than the stale age; a young one that cannot be judged (or names a live
    // pid) costs the short waits before IdLockedError.
    const young = fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 49, arbitrary: fc.constant(false) });
    await fc.assert(
      fc.asyncProperty(hostileText, fc.nat(), young, async (lock, leaseEndsAt, isYoung) => {
        const id = `locked-${n++}`;
        const lockPath = join(dir, "tmp", `${id}.idlock`);
        writeFileSync(lockPath, Buffer.from(lock, "latin1"));
        if (!isYoung) utimesSync(lockPath, longAgo, longAgo);
        const reserved = join(
          dir,
          "reserved",
          formatReserved({ leaseEndsAt, token: "0000000a", priority: 1, deliveries: 1, id: `held-${n}` }),
        );
        writeFileSync(reserved, encode(createMessage({ id: `held-${n}` })));
        const outcome = await queue.enqueue({ id, payload: 1 }).then(
          () => "resolved",
          (error: unknown) => (error instanceof IdLockedError ? "IdLockedError" : error instanceof XError ? error.code : "untyped"),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        expect(["resolved", "IdLockedError"]).toContain(outcome);
        if (!isYoung) expect(outcome).toBe("resolved");
        await queue.stats();
        rmSync(lockPath, { force: true });
        rmSync(reserved, { force: true });
      }),
      { ...settings, numRuns: Math.ceil(runs / 4) },
    );
    printFaultReport({
      scenario: "queue-file fuzz: id locks and lease names",
      confirmed: 0,
      handled: 0,
      lost: 0,
      duplicated: 0,
      inputs: Math.ceil(runs / 4),
      outcomes: JSON.stringify(Object.fromEntries(outcomes)),
    });
    await queue.close();
  });

  it("format markers: any bytes in queue-file.json give a working queue (an empty marker) or ForeignDirectoryError", async () => {
    const parent = tempDir();
    let n = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileText,
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        async (marker) => {
          const dir = join(parent, String(n++));
          mkdirSync(dir);
          writeFileSync(join(dir, "queue-file.json"), Buffer.from(marker, "latin1"));
          const queue = createFileQueue({ dir, fsync: false });
          const outcome = await queue.stats().then(
            () => "ok",
            (error: unknown) => (error instanceof ForeignDirectoryError ? "ForeignDirectoryError" : "other"),
          );
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          expect(outcome).not.toBe("other");
          await queue.close();
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { ...settings, numRuns: Math.ceil(runs / 4) },
    );
    printFaultReport({
      scenario: "queue-file fuzz: format markers",
      confirmed: 0,
      handled: 0,
      lost: 0,
      duplicated: 0,
      inputs: Math.ceil(runs / 4),
      outcomes: JSON.stringify(Object.fromEntries(outcomes)),
    });
  });
});
