import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { decode } from "@x/message";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../src/index.js";
import { type RecordedEvent, recordEvents, tempDirs } from "./helpers.js";
import { killWorkersUntilEmpty, startFixture } from "./processes.js";

const tempDir = tempDirs();
const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

describe("crashes", () => {
  it("workers killed with SIGKILL at random moments: every job is eventually acked, none lost, none corrupt", async () => {
    const dir = tempDir();
    const total = 2_000;
    const producer = createFileQueue({ dir, ttrMs: 1_000 });
    const sent = new Map<string, number>();
    for (let n = 0; n < total; n++) sent.set((await producer.enqueue({ payload: n })).id, n);

    const { everyone, kills } = await killWorkersUntilEmpty(dir, producer, 12, Math.random);
    // Kills stop once the queue is empty; on a fast machine that may be before all twelve.
    expect(kills).toBeGreaterThanOrEqual(3);

    // Jobs leave the queue only by ack, so an empty queue means all were acked; the log says by whom.
    const acking = everyone.flatMap((worker) => worker.lines.filter((line) => line.startsWith("acking ")));
    const seen = new Set<string>();
    for (const line of acking) {
      const [, id = "", payload = ""] = line.split(" ");
      expect(sent.has(id), `unknown job ${id}`).toBe(true);
      expect(JSON.parse(payload), `payload of ${id}`).toBe(sent.get(id));
      seen.add(id);
    }
    expect(seen.size).toBe(total);
    // Jobs held by the killed workers came back with their attempt counted.
    const redelivered = acking.filter((line) => !line.endsWith(" 0"));
    expect(redelivered.length).toBeGreaterThan(0);

    expect(await producer.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0, extra: { corrupt: 0 } });
    for (const sub of ["ready", "reserved", "buried", "corrupt"]) expect(readdirSync(join(dir, sub))).toEqual([]);
    await producer.close();
  }, 180_000);

  it("a producer killed in the middle of enqueue leaves no visible partial job, and every resolved enqueue survives", async () => {
    const dir = tempDir();
    const resolved = new Set<string>();
    let rounds = 0;
    let killedMidWrite = 0;
    // Until the kill has landed mid-write (a temp file left behind) twice; each round has a good chance.
    while (killedMidWrite < 2 && rounds < 30) {
      rounds++;
      const producer = startFixture("enqueuer", [dir, String(256 * 1024)]);
      await producer.waitFor((line) => line.startsWith("enqueued "));
      // Big jobs: most of the time goes into writing and flushing them, so that is where the kill lands.
      await sleep(randomBetween(0, 40));
      producer.child.kill("SIGKILL");
      expect((await producer.exited).signal).toBe("SIGKILL");
      for (const line of producer.lines) if (line.startsWith("enqueued ")) resolved.add(line.split(" ")[1] ?? "");
      if (readdirSync(join(dir, "tmp")).length > 0) killedMidWrite++;
      // Whatever is visible in ready/ right after the kill is a complete job.
      for (const name of readdirSync(join(dir, "ready"))) {
        const message = decode(readFileSync(join(dir, "ready", name)));
        expect(name).toContain(message.id);
      }
    }
    expect(killedMidWrite).toBe(2);

    const events: RecordedEvent[] = [];
    const consumer = recordEvents(createFileQueue({ dir }), events);
    const drained = new Set<string>();
    for (let job = await consumer.reserve(); job; job = await consumer.reserve()) {
      const payload = job.message.body.payload as { n: number; filler: string };
      expect(payload.filler).toHaveLength(256 * 1024);
      drained.add(job.message.id);
      await job.ack();
    }
    expect(events.filter((event) => event.type === "corrupt")).toEqual([]);
    for (const id of resolved) expect(drained.has(id), `resolved enqueue ${id} was lost`).toBe(true);
    // At most the one job per kill whose rename had happened but whose `enqueue` had not returned yet.
    expect(drained.size - resolved.size).toBeLessThanOrEqual(rounds);
    // Temp files of killed producers are removed by the next process that opens the queue.
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect(readdirSync(join(dir, "corrupt"))).toEqual([]);
    await consumer.close();
  }, 180_000);
});
