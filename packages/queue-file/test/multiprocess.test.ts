import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFileQueue } from "../src/index.js";
import { tempDirs } from "./helpers.js";
import { startFixture } from "./processes.js";

const tempDir = tempDirs();

describe("several processes on one directory", () => {
  it("4 processes reserve and ack 2,000 jobs: each acked exactly once, none left", async () => {
    const dir = tempDir();
    const total = 2_000;
    const producer = createFileQueue({ dir });
    const sent = new Map<string, number>();
    for (let n = 0; n < total; n++) sent.set((await producer.enqueue({ payload: n })).id, n);

    // The queue only looks inside its own sub-directories: a file at the top is safe to use.
    const goFile = join(dir, "go");
    const workers = Array.from({ length: 4 }, () => startFixture("worker", [dir, "60000", "1000", "0", goFile]));
    await Promise.all(workers.map((worker) => worker.waitFor((line) => line === "ready")));
    // All four start on the same jobs at once, so every claim is contended.
    writeFileSync(goFile, "go");
    const exits = await Promise.all(workers.map((worker) => worker.exited));
    for (const [i, exit] of exits.entries()) expect(exit, `worker ${i}: ${workers[i]?.stderr() ?? ""}`).toEqual({ code: 0, signal: null });

    // Handed out exactly once: a job claimed twice would show up as a second `acking` line (its
    // holder's ack then failing with `lost`), even though `acked` would still list it once.
    const handedOut = workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("acking ")));
    expect(handedOut).toHaveLength(total);
    expect(workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("lost ")))).toEqual([]);
    const acked = workers.flatMap((worker) => worker.lines.filter((line) => line.startsWith("acked ")).map((line) => line.slice(6)));
    expect(acked).toHaveLength(total);
    expect(new Set(acked).size).toBe(total);
    expect(new Set(acked)).toEqual(new Set(sent.keys()));
    // Every worker got a share: the claims really competed.
    for (const worker of workers) expect(worker.lines.some((line) => line.startsWith("acked "))).toBe(true);
    for (const worker of workers) {
      for (const line of worker.lines.filter((l) => l.startsWith("acking "))) {
        const [, id = "", payload = "", attempts] = line.split(" ");
        expect(JSON.parse(payload)).toBe(sent.get(id));
        expect(attempts).toBe("0");
      }
    }

    expect(await producer.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0, extra: { corrupt: 0 } });
    for (const sub of ["ready", "reserved", "buried", "corrupt"]) expect(readdirSync(join(dir, sub))).toEqual([]);
    await producer.close();
  }, 120_000);
});
