import { type JobListing, listAll } from "@x/message";
import { describe, expect, it } from "vitest";
import type { BeanstalkQueue } from "../src/index.js";
import { startFixtureProcess, until } from "./helpers.js";
import { useQueues } from "./queues.js";

const fixture = useQueues({}, { ttrMs: 30_000 });

async function walk(queue: BeanstalkQueue, state: "buried" | "ready", requestType: string): Promise<JobListing[]> {
  const jobs: JobListing[] = [];
  for await (const job of listAll(queue, { state, requestType, limit: 25 })) jobs.push(job);
  return jobs;
}

describe("operating while 4 workers reserve", () => {
  it("lists and kicks by type: every job handled once, none lost, held by one worker at a time; buried jobs that stay are listed every walk", async () => {
    const operator = fixture.queue();
    const tube = operator.tube;
    // Buried before the workers start and never kicked (the operator kicks "flaky" only): a walk
    // must list each of them exactly once, whatever happens around them.
    const stuck = new Set<string>();
    for (const result of await operator.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ requestType: "stuck", payload: i })))) {
      if (result.ok) stuck.add(result.message.id);
    }
    for (let i = 0; i < stuck.size; i++) await (await operator.reserve())?.bury("stuck for good");
    expect((await operator.stats()).buried).toBe(30);

    const flaky = new Set<string>();
    const ok = new Set<string>();
    const inits = Array.from({ length: 400 }, (_, i) => ({ requestType: i % 2 === 0 ? "flaky" : "ok", payload: i }));
    for (const result of await operator.enqueueMany(inits)) {
      if (!result.ok) throw result.error;
      (result.message.header.requestType === "flaky" ? flaky : ok).add(result.message.id);
    }

    const acked = new Map<string, number>();
    const flakyAttemptsAtAck: number[] = [];
    const holding = new Set<string>();
    const overlaps: string[] = [];
    let stop = false;
    const workers = Array.from({ length: 4 }, () => fixture.queue({ tube }));
    const loops = workers.map(async (queue) => {
      while (!stop) {
        const job = await queue.reserve({ timeoutMs: 200 });
        if (!job) continue;
        const { id } = job.message;
        if (holding.has(id)) overlaps.push(id);
        holding.add(id);
        await new Promise((resolve) => setImmediate(resolve));
        holding.delete(id);
        // A flaky job fails on its first delivery and succeeds once kicked.
        if (job.message.header.requestType === "flaky" && job.message.header.attempts === 0) {
          await job.bury("first try fails");
          continue;
        }
        if (job.message.header.requestType === "flaky") flakyAttemptsAtAck.push(job.message.header.attempts);
        acked.set(id, (acked.get(id) ?? 0) + 1);
        await job.ack();
      }
    });

    let walks = 0;
    let kicked = 0;
    await until(async () => {
      const stayed = await walk(operator, "buried", "stuck");
      expect(stayed.map((job) => job.id).sort()).toEqual([...stuck].sort());
      const buriedFlaky = await walk(operator, "buried", "flaky");
      const listed = buriedFlaky.map((job) => job.id);
      expect(new Set(listed).size).toBe(listed.length);
      for (const id of listed) expect(flaky.has(id)).toBe(true);
      const ready = (await walk(operator, "ready", "ok")).map((job) => job.id);
      expect(new Set(ready).size).toBe(ready.length);
      for (const id of ready) expect(ok.has(id)).toBe(true);
      kicked += (await operator.bulk({ action: "kick", state: "buried", requestType: "flaky" })).changed;
      walks++;
      return acked.size === flaky.size + ok.size;
    }, "every flaky and ok job acknowledged");
    stop = true;
    await Promise.all(loops);

    expect(overlaps).toEqual([]);
    expect([...acked.values()].every((count) => count === 1)).toBe(true);
    for (const id of [...flaky, ...ok]) expect(acked.has(id)).toBe(true);
    // Kicks never count as attempts: buried at attempt 0, kicked, handled as attempt 1.
    expect(flakyAttemptsAtAck).toHaveLength(flaky.size);
    expect(flakyAttemptsAtAck.every((attempts) => attempts === 1)).toBe(true);
    expect(kicked).toBe(flaky.size);
    expect(walks).toBeGreaterThan(0);
    expect(await operator.stats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, buried: 30 });
  });

  it("the same with 4 worker processes (@x/worker): each job finished once, flaky ones as attempt 2 after the kick", async () => {
    const operator = fixture.queue();
    const stuck = new Set<string>();
    for (const result of await operator.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ requestType: "stuck", payload: i })))) {
      if (result.ok) stuck.add(result.message.id);
    }
    for (let i = 0; i < stuck.size; i++) await (await operator.reserve())?.bury("stuck for good");
    const flaky = new Set<string>();
    const ok = new Set<string>();
    const inits = Array.from({ length: 200 }, (_, i) => ({ requestType: i % 2 === 0 ? "flaky" : "ok", payload: i }));
    for (const result of await operator.enqueueMany(inits)) {
      if (!result.ok) throw result.error;
      (result.message.header.requestType === "flaky" ? flaky : ok).add(result.message.id);
    }
    const config = { host: fixture.server.host, port: fixture.server.port, tube: operator.tube };
    const workers = Array.from({ length: 4 }, () => startFixtureProcess("operate-worker", config));
    try {
      await until(() => workers.every((w) => w.lines.includes("ready")), "4 worker processes running");
      const finished = (): string[][] => workers.flatMap((w) => w.field("done"));
      await until(async () => {
        const stayed = await walk(operator, "buried", "stuck");
        expect(stayed.map((job) => job.id).sort()).toEqual([...stuck].sort());
        const listed = (await walk(operator, "buried", "flaky")).map((job) => job.id);
        expect(new Set(listed).size).toBe(listed.length);
        for (const id of listed) expect(flaky.has(id)).toBe(true);
        await operator.bulk({ action: "kick", state: "buried", requestType: "flaky" });
        return finished().length >= flaky.size + ok.size;
      }, "every flaky and ok job finished");
      const done = finished();
      const byId = new Map<string, string[]>();
      for (const [id = "", attempt = ""] of done) byId.set(id, [...(byId.get(id) ?? []), attempt]);
      expect(done).toHaveLength(flaky.size + ok.size);
      for (const id of flaky) expect(byId.get(id)).toEqual(["2"]);
      for (const id of ok) expect(byId.get(id)).toEqual(["1"]);
      expect(await operator.stats()).toMatchObject({ ready: 0, delayed: 0, buried: 10 });
    } finally {
      for (const w of workers) w.process.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.exited));
    }
    for (const w of workers) expect(w.lines.filter((line) => line.startsWith("stderr"))).toEqual([]);
  });
});
