import { createFileQueue } from "@x/queue-file";
import { describe, expect, it } from "vitest";
import { tempDirs } from "./helpers.js";
import { enqueuedIds, latestTickDealtWith, numbersAfter, startScheduler, tickIds } from "./processes.js";

const tempDir = tempDirs();
const EVERY_MS = 200;
const RUN_MS = 3_000;

describe("three scheduler processes on one file queue", () => {
  it("a 200 ms interval for 3 s: each tick enqueued exactly once, while a worker acks every job as soon as it is ready", async () => {
    const dir = tempDir();
    const worker = createFileQueue({ dir });
    const children = Array.from({ length: 3 }, () => startScheduler(dir, RUN_MS, EVERY_MS));
    const acked: string[] = [];
    const state = { running: true };
    const exits = Promise.all(children.map((child) => child.exited)).finally(() => {
      state.running = false;
    });
    // Acking at once removes a tick's job from the queue: a scheduler that came late to that
    // tick would enqueue it again were it not held back for 2 x graceMs.
    while (state.running) {
      const reservation = await worker.reserve({ timeoutMs: 50 });
      if (reservation === null) continue;
      acked.push(reservation.message.id);
      await reservation.ack();
    }
    for (const [i, exit] of (await exits).entries()) expect(exit, `scheduler ${String(i)}: ${exit.stderr}`).toMatchObject({ code: 0 });
    // The last jobs are still held back: take them as they become ready.
    for (let stats = await worker.stats(); stats.ready + stats.delayed > 0; stats = await worker.stats()) {
      const reservation = await worker.reserve({ timeoutMs: 500 });
      if (reservation === null) continue;
      acked.push(reservation.message.id);
      await reservation.ack();
    }
    await worker.close();

    const lines = children.flatMap((child) => child.lines);
    expect(lines.filter((line) => line.startsWith("error "))).toEqual([]);
    const enqueued = enqueuedIds(lines);
    // Exactly once: no tick id enqueued by two processes, and every job was handed out once.
    expect(new Set(enqueued).size).toBe(enqueued.length);
    expect(acked.slice().sort()).toEqual(enqueued.slice().sort());
    // Every tick while all three ran is there (the last one may have been due as they closed).
    const from = Math.max(...children.map((child) => numbersAfter(child.lines, "ready")[0] ?? Number.NaN));
    // Up to the latest tick every scheduler dealt with (one starved as it closed may leave ticks
    // due before its close untried, which is closing, not losing).
    const to = Math.min(...children.map((child) => latestTickDealtWith(child.lines)));
    const expected = tickIds(from, to, EVERY_MS);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(enqueued).toEqual(expect.arrayContaining(expected));
    // The schedulers really competed: the queue refused the others' copies.
    const duplicates = lines.filter((line) => line.startsWith("skipped duplicate ")).length;
    expect(duplicates).toBeGreaterThanOrEqual(2 * expected.length);
    // Which process wins a tick is a race; the report shows the split.
    console.info(
      "[schedule multi-process]",
      JSON.stringify({
        ticks: enqueued.length,
        overlap: expected.length,
        perProcess: children.map((child) => numbersAfter(child.lines, "enqueued").length),
        duplicates,
      }),
    );
  });
});
