/**
 * The inspector socket cut in the middle of a walk: `list()` retries the page once on a new socket
 * and returns the same jobs; `bulk()` rejects with `ConnectionError`, and running it again finishes
 * the work without doing any of it twice.
 */
import { ConnectionError, type JobListing, listAll } from "@x/message";
import { startBeanstalkd } from "@x/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import { type BeanstalkQueue, createBeanstalkQueue } from "../../src/index.js";
import { type CuttableProxy, connectFivebeans, freshTube, startProxy } from "../helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const NOISE = 20_000;
const BURIED = 20;

/** A server whose ids are mostly another tube's jobs, a tube with buried jobs at the end, and a queue on it through a proxy. */
async function setUp(): Promise<{
  queue: BeanstalkQueue;
  proxy: CuttableProxy;
  buried: string[];
  statsJobCommands: () => Promise<number>;
}> {
  const server = await startBeanstalkd();
  cleanup.push(async () => {
    await server[Symbol.asyncDispose]();
  });
  const direct = { host: server.host, port: server.port };
  const noise = createBeanstalkQueue({ ...direct, tube: freshTube("noise") });
  const tube = freshTube();
  const producer = createBeanstalkQueue({ ...direct, tube });
  // The buried jobs are spread over the id range, one after each block of another tube's jobs.
  const buried: string[] = [];
  for (let i = 0; i < BURIED; i++) {
    await noise.enqueueMany(Array.from({ length: NOISE / BURIED }, (_, n) => ({ payload: n })));
    buried.push((await producer.enqueue({ requestType: "t", payload: i })).id);
  }
  await noise.close();
  for (let i = 0; i < BURIED; i++) await (await producer.reserve())?.bury("for the test");
  await producer.close();
  const proxy = await startProxy(server.port);
  cleanup.push(() => proxy.close());
  const queue = createBeanstalkQueue({ host: server.host, port: proxy.port, tube, reconnectDelayMs: 20 });
  cleanup.push(() => queue.close());
  const client = await connectFivebeans(server.host, server.port);
  cleanup.push(async () => {
    client.stream?.destroy();
  });
  const statsJobCommands = (): Promise<number> =>
    new Promise((resolve, reject) => {
      client.stats((err, stats) => {
        if (err === null) resolve(Number((stats as Record<string, unknown>)["cmd-stats-job"]));
        else reject(new Error(err));
      });
    });
  return { queue, proxy, buried, statsJobCommands };
}

/** Cuts every proxied socket once the server has answered `after` more `stats-job`s; resolves with that count. */
async function cutMidWalk(proxy: CuttableProxy, statsJobCommands: () => Promise<number>, after: number): Promise<number> {
  const start = await statsJobCommands();
  for (;;) {
    const asked = (await statsJobCommands()) - start;
    if (asked >= after) {
      proxy.cut();
      return asked;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("a walk whose socket is cut", () => {
  it("list() retries the page on a new socket and lists every buried job once", async () => {
    const { queue, proxy, buried, statsJobCommands } = await setUp();
    const disconnects: string[] = [];
    queue.on("disconnect", ({ connection }) => disconnects.push(connection));
    const walking = (async () => {
      const jobs: JobListing[] = [];
      for await (const job of listAll(queue, { state: "buried", limit: 1_000 })) jobs.push(job);
      return jobs;
    })();
    const askedAtCut = await cutMidWalk(proxy, statsJobCommands, 2_000);
    const jobs = await walking;
    expect(askedAtCut).toBeLessThan(NOISE);
    expect(disconnects).toContain("inspector");
    expect(jobs.map((job) => job.id)).toEqual(buried);
  });

  it("bulk() rejects with ConnectionError; run again, it kicks the rest, none twice", async () => {
    const { queue, proxy, buried, statsJobCommands } = await setUp();
    const kicking = queue.bulk({ action: "kick", state: "buried" });
    const askedAtCut = await cutMidWalk(proxy, statsJobCommands, NOISE / 2);
    await expect(kicking).rejects.toBeInstanceOf(ConnectionError);
    expect(askedAtCut).toBeLessThan(NOISE);
    const left = (await queue.stats()).buried;
    // The first run kicked some before the cut, not all.
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(BURIED);
    const again = await queue.bulk({ action: "kick", state: "buried" });
    expect(again).toEqual({ matched: left, changed: left });
    expect(await queue.stats()).toMatchObject({ buried: 0, ready: BURIED });
    const kicks = await Promise.all(buried.map(async (id) => (await queue.inspect(id))?.state));
    expect(kicks.every((state) => state === "ready")).toBe(true);
  });
});
