/**
 * Worker processes killed with SIGKILL mid-stream and restarted: every confirmed job is handled,
 * the ones the killed workers held come back once their lease ends.
 */
import { printFaultReport, soakScale } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../../src/index.js";
import { tempDirs } from "../helpers.js";
import { killWorkersUntilEmpty } from "../processes.js";

const tempDir = tempDirs();

describe("kill -9 of worker processes", () => {
  it("workers killed mid-stream and restarted: nothing confirmed is lost", async () => {
    const dir = tempDir();
    const total = soakScale(300, 5_000);
    const killsWanted = soakScale(4, 40);
    const producer = createFileQueue({ dir, ttrMs: 1_000, fsync: false });
    const confirmed = new Set<string>();
    for (let n = 0; n < total; n++) confirmed.add((await producer.enqueue({ payload: n })).id);

    // A fixed sequence of kill times and victims, so a failure can be replayed.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const { everyone, kills } = await killWorkersUntilEmpty(dir, producer, killsWanted, random);

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
