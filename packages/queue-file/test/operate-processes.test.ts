import { setTimeout as sleep } from "node:timers/promises";
import { listAll } from "@x/message";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../src/index.js";
import { tempDirs } from "./helpers.js";
import { startFixture } from "./processes.js";

const tempDir = tempDirs();

describe("operating a queue that 4 worker processes drain", () => {
  it("lists buried jobs and kicks or retries them by type: every job finished exactly once, none lost", async () => {
    const dir = tempDir();
    const operator = createFileQueue({ dir });
    const types = ["plain", "flaky", "flaky2"] as const;
    const total = 900;
    const results = await operator.enqueueMany(
      Array.from({ length: total }, (_, n) => ({ requestType: types[n % 3] ?? "plain", payload: n })),
    );
    const ids = results.map((result) => (result.ok ? result.message.id : ""));
    expect(ids.every((id) => id !== "")).toBe(true);
    const flaky = new Set(ids.filter((_, n) => n % 3 !== 0));

    // The workers run until told to stop: an idle limit could end them while every job left is
    // buried and the operator, slowed down by a loaded machine, has not kicked them yet.
    const workers = Array.from({ length: 4 }, () => startFixture("operate-worker", [dir, "600000"]));
    const acked = (): string[] =>
      workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("acked ")).map((line) => line.split(" ")[1] ?? ""));

    const listedBuried = new Map<string, { reason: string | undefined; attempts: number }>();
    let kicked = 0;
    let retried = 0;
    for (let round = 0; acked().length < total && round < 2_000; round++) {
      for await (const job of listAll(operator, { state: "buried", limit: 50 })) {
        listedBuried.set(job.id, { reason: job.buryReason, attempts: job.attempts });
      }
      kicked += (await operator.bulk({ action: "kick", state: "buried", requestType: "flaky" })).changed;
      retried += (await operator.bulk({ action: "retry", state: "buried", requestType: "flaky2" })).changed;
      await sleep(20);
    }
    for (const worker of workers) worker.child.kill("SIGTERM");
    const exits = await Promise.all(workers.map((worker) => worker.exited));
    for (const [i, exit] of exits.entries()) expect(exit, `worker ${i}: ${workers[i]?.stderr() ?? ""}`).toEqual({ code: 0, signal: null });

    // Every job acked once, none twice, none missing; no lease was ever taken over.
    const done = acked();
    expect(done).toHaveLength(total);
    expect(new Set(done)).toEqual(new Set(ids));
    expect(workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("lost ")))).toEqual([]);
    // Each flaky job was buried once and brought back once, by the operator's kick or retry.
    const buried = workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("buried ")).map((line) => line.slice(7)));
    expect(new Set(buried)).toEqual(flaky);
    expect(buried).toHaveLength(flaky.size);
    expect(kicked + retried).toBe(flaky.size);
    expect(kicked).toBe(total / 3);
    expect(retried).toBe(total / 3);
    // The kicked jobs came back with their attempt counted once.
    for (const worker of workers) {
      for (const line of worker.lines.filter((l) => l.startsWith("acked "))) {
        const [, id = "", attempts] = line.split(" ");
        expect(attempts).toBe(flaky.has(id) ? "1" : "0");
      }
    }
    // What the operator saw while listing: buried jobs with their reason and attempt.
    expect(listedBuried.size).toBeGreaterThan(0);
    for (const [id, seen] of listedBuried) {
      expect(flaky.has(id)).toBe(true);
      expect(seen.reason).toMatch(/^flaky2? fails the first time$/);
      expect(seen.attempts).toBe(1);
    }
    expect(await operator.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    await operator.close();
  }, 180_000);

  it("a pause made here stops another process's hand-outs; a resume lets them go on", async () => {
    const dir = tempDir();
    const operator = createFileQueue({ dir });
    await operator.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ payload: n })));
    await operator.pause();
    const paused = startFixture("operate-worker", [dir, "500"]);
    expect(await paused.exited).toEqual({ code: 0, signal: null });
    expect(paused.lines.filter((line) => line.startsWith("acked "))).toEqual([]);
    expect(await operator.stats()).toMatchObject({ ready: 20, paused: true });

    // Its first reserve waits up to 5 s: the resume below comes during that wait.
    const resumed = startFixture("operate-worker", [dir, "5000"]);
    await resumed.waitFor((line) => line === "ready");
    await sleep(200);
    expect(resumed.lines.filter((line) => line.startsWith("acked "))).toEqual([]);
    await operator.resume();
    expect(await resumed.exited).toEqual({ code: 0, signal: null });
    expect(resumed.lines.filter((line) => line.startsWith("acked "))).toHaveLength(20);
    expect(await operator.stats()).toMatchObject({ ready: 0, paused: false });
    await operator.close();
  }, 60_000);
});
