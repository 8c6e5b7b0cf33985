/**
 * Worker processes killed with SIGKILL mid-stream and restarted: every confirmed job is handled,
 * the ones the killed workers held come back once their lease ends.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { printFaultReport, soakScale } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../../src/index.js";
import { tempDirs } from "../helpers.js";
import { type Fixture, startFixture } from "../processes.js";

const tempDir = tempDirs();

describe("kill -9 of worker processes", () => {
  it("workers killed mid-stream and restarted: nothing confirmed is lost", async () => {
    const dir = tempDir();
    const total = soakScale(300, 5_000);
    const killsWanted = soakScale(4, 40);
    const producer = createFileQueue({ dir, ttrMs: 1_000, fsync: false });
    const confirmed = new Set<string>();
    for (let n = 0; n < total; n++) confirmed.add((await producer.enqueue({ payload: n })).id);

    const everyone: Fixture[] = [];
    const live = new Set<Fixture>();
    const spawn = (): void => {
      // A short lease (1 s), so the jobs the killed workers held come back soon; up to 5 ms of work each.
      const worker = startFixture("worker", [dir, "1000", "1500", "5"]);
      everyone.push(worker);
      live.add(worker);
      void worker.exited.then(() => live.delete(worker));
    };
    for (let i = 0; i < 3; i++) spawn();
    // A fixed sequence of kill times and victims, so a failure can be replayed.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let kills = 0;
    for (;;) {
      await sleep(50 + Math.floor(random() * 200));
      const working = [...live].filter((worker) => worker.lines.some((line) => line.startsWith("acking ")));
      if (kills < killsWanted && working.length > 0) {
        const victim = working[Math.floor(random() * working.length)];
        victim?.child.kill("SIGKILL");
        if (victim) live.delete(victim);
        kills++;
      }
      const stats = await producer.stats();
      if (stats.ready + stats.delayed + stats.reserved + stats.buried === 0) break;
      while (live.size < 3) spawn();
    }
    for (const worker of live) worker.child.kill("SIGKILL");
    await Promise.all(everyone.map((worker) => worker.exited));

    // Jobs leave the queue only by ack, so an empty queue means every job was acked; a worker
    // says `acking <id>` before it acks (a kill can land between the ack and its `acked` line).
    // A job a killed worker was working on is handed out again: a duplicate, which at-least-once allows.
    const deliveries = everyone.flatMap((worker) =>
      worker.lines.filter((line) => line.startsWith("acking ")).map((line) => line.split(" ")[1] ?? ""),
    );
    const handled = new Set(deliveries.filter((id) => confirmed.has(id)));
    const lost = [...confirmed].filter((id) => !handled.has(id)).length;
    printFaultReport({
      scenario: "queue-file kill -9 of workers mid-stream",
      confirmed: confirmed.size,
      handled: handled.size,
      lost,
      duplicated: deliveries.length - handled.size,
      kills,
    });
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(lost).toBe(0);
    expect(await producer.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0, extra: { corrupt: 0 } });
    await producer.close();
  });
});
