import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { decode } from "@x/message";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../src/index.js";
import { type RecordedEvent, recordEvents, tempDirs } from "./helpers.js";
import { type Fixture, startFixture } from "./processes.js";

const tempDir = tempDirs();
const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

describe("crashes", () => {
  it("workers killed with SIGKILL at random moments: every job is eventually acked, none lost, none corrupt", async () => {
    const dir = tempDir();
    const total = 2_000;
    const producer = createFileQueue({ dir, ttrMs: 1_000 });
    const sent = new Map<string, number>();
    for (let n = 0; n < total; n++) sent.set((await producer.enqueue({ payload: n })).id, n);

    const everyone: Fixture[] = [];
    const live = new Set<Fixture>();
    const spawn = (): void => {
      // A short lease (1 s), so the jobs the killed workers held come back soon.
      const worker = startFixture("worker", [dir, "1000", "1500", "5"]);
      everyone.push(worker);
      live.add(worker);
      void worker.exited.then(() => live.delete(worker));
    };
    for (let i = 0; i < 3; i++) spawn();

    const killsWanted = 12;
    let kills = 0;
    for (;;) {
      await sleep(randomBetween(100, 400));
      // Only workers that are processing: a kill during start-up tests nothing.
      const victims = [...live].filter((worker) => worker.lines.some((line) => line.startsWith("acking ")));
      if (kills < killsWanted && victims.length > 0) {
        const victim = victims[randomBetween(0, victims.length - 1)];
        victim?.child.kill("SIGKILL");
        if (victim) live.delete(victim);
        kills++;
      }
      const stats = await producer.stats();
      if (stats.ready + stats.delayed + stats.reserved + stats.buried === 0) break;
      // Restarted until the queue is empty.
      while (live.size < 3) spawn();
    }
    for (const worker of live) worker.child.kill("SIGKILL");
    await Promise.all(everyone.map((worker) => worker.exited));
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
