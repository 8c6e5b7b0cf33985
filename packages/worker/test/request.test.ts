import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  createProducer,
  createWorker,
  FatalError,
  InvalidOptionError,
  JobFailedError,
  REPLY_TO_HEADER,
  ReplyTimeoutError,
  ResultNotEncodableError,
  type ResultsOf,
} from "../src/index.js";
import { FakeTime, turn } from "./fake-time.js";
import { record } from "./helpers.js";

let queue: QueueAdapter;
let replies: QueueAdapter;
beforeEach(() => {
  queue = createMemoryQueue();
  replies = createMemoryQueue();
});
afterEach(async () => {
  await queue.close();
  await replies.close();
});

interface Jobs {
  add: { a: number; b: number };
  refuse: string;
  huge: number;
  quiet: null;
}

const handlers = {
  add: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
  refuse: (why: string) => {
    throw new FatalError(why);
  },
  huge: (n: number) => BigInt(n),
  quiet: async (_payload: null): Promise<unknown> => undefined,
};

/** A worker that runs until closed, with replies. */
function startWorker(time?: FakeTime) {
  const worker = createWorker<Jobs>({
    queue,
    replyQueue: replies,
    handlers,
    handleSignals: false,
    pollTimeoutMs: 20,
    ...(time === undefined ? {} : { time }),
  });
  const events = record(worker);
  const running = worker.run();
  return {
    events,
    stop: async () => {
      await worker.close();
      return running;
    },
  };
}

describe("producer.request", () => {
  it("resolves to the handler's result, typed by the handler map; the reply is taken out of the reply queue", async () => {
    const worker = startWorker();
    const producer = createProducer<Jobs, ResultsOf<typeof handlers>>({ queue, replies });
    const result = await producer.request("add", { a: 2, b: 3 }, { timeoutMs: 10_000, priority: 5 });
    expectTypeOf(result).toEqualTypeOf<{ sum: number }>();
    expect(result).toEqual({ sum: 5 });
    const quiet: unknown = await producer.request("quiet", null, { timeoutMs: 10_000 });
    expect(quiet).toBeUndefined();
    const { events } = worker;
    await worker.stop();
    expect(events.of("succeeded").map((e) => e.result)).toEqual([{ sum: 5 }, undefined]);
    expect(events.of("succeeded")[0]?.message.header.priority).toBe(5);
    expect(await replies.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0 });
  });

  it("producers with their own handles on one file reply queue each get their own replies, and the queue ends empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-worker-replies-"));
    const handles = [createFileQueue({ dir }), createFileQueue({ dir }), createFileQueue({ dir })] as const;
    try {
      const worker = createWorker<Jobs>({
        queue,
        replyQueue: handles[0],
        handlers,
        handleSignals: false,
        pollTimeoutMs: 20,
        concurrency: 8,
      });
      const running = worker.run();
      const first = createProducer<Jobs, ResultsOf<typeof handlers>>({ queue, replies: handles[1] });
      const second = createProducer<Jobs, ResultsOf<typeof handlers>>({ queue, replies: handles[2] });
      const requests = Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? first : second).request("add", { a: i, b: 1_000 }, { timeoutMs: 20_000 }).then((result) => result.sum),
      );
      expect(await Promise.all(requests)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1_000));
      await worker.close();
      await running;
      expect(await handles[0].stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    } finally {
      for (const handle of handles) await handle.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a buried job rejects the request with JobFailedError carrying the bury reason", async () => {
    const worker = startWorker();
    const producer = createProducer<Jobs>({ queue, replies });
    const failure = await producer.request("refuse", "card declined", { timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JobFailedError);
    expect((failure as JobFailedError).detail).toBe("FatalError: card declined");
    await worker.stop();
  });

  it("a result that is not JSON: the job is acked, the request rejects with ResultNotEncodableError, the worker reports it", async () => {
    const worker = startWorker();
    const producer = createProducer<Jobs>({ queue, replies });
    const failure = await producer.request("huge", 7, { timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ResultNotEncodableError);
    expect((failure as Error).message).toMatch(/result is a bigint/);
    const { events } = worker;
    await worker.stop();
    expect(events.of("succeeded").map((e) => e.result)).toEqual([7n]);
    expect(events.of("error").map((e) => [e.phase, (e.error as Error).constructor.name])).toEqual([["reply", "ResultNotEncodableError"]]);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, buried: 0 });
  });

  it("no reply within timeoutMs rejects with ReplyTimeoutError; a worker that comes later sends no reply nobody waits for", async () => {
    const time = new FakeTime();
    const producer = createProducer<Jobs>({ queue, replies, time });
    let settled: unknown;
    const request = producer.request("add", { a: 1, b: 1 }, { timeoutMs: 1_000 }).then(
      () => (settled = "resolved"),
      (error: unknown) => (settled = error),
    );
    for (let step = 0; step < 200 && settled === undefined; step++) {
      await turn();
      time.advance(25);
    }
    await request;
    expect(settled).toBeInstanceOf(ReplyTimeoutError);
    const [job] = (await queue.list?.({ state: "ready" }))?.jobs ?? [];
    expect(job?.message.header[REPLY_TO_HEADER]).toMatch(/^reply-/);
    // The job is still there: a worker runs it, and sends nothing (its reply_by has passed).
    const worker = startWorker(time);
    const { events } = worker;
    for (let step = 0; step < 500 && events.of("succeeded").length === 0; step++) await turn();
    await worker.stop();
    expect(events.of("succeeded")).toHaveLength(1);
    expect(await replies.stats()).toMatchObject({ ready: 0 });
  });

  it("aborting the signal stops the wait with the signal's reason", async () => {
    const producer = createProducer<Jobs>({ queue, replies });
    const controller = new AbortController();
    const request = producer.request("add", { a: 1, b: 1 }, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort(new Error("user left"));
    await expect(request).rejects.toThrow("user left");
  });

  it("bad options are refused, naming them", async () => {
    const producer = createProducer<Jobs>({ queue });
    await expect(producer.request("add", { a: 1, b: 1 }, { timeoutMs: 100 })).rejects.toMatchObject({ option: "replies" });
    const withReplies = createProducer<Jobs>({ queue, replies });
    await expect(withReplies.request("add", { a: 1, b: 1 }, {} as never)).rejects.toMatchObject({ option: "timeoutMs" });
    await expect(withReplies.request("add", { a: 1, b: 1 }, { timeoutMs: 0 })).rejects.toMatchObject({ option: "timeoutMs" });
    await expect(withReplies.request("add", { a: 1, b: 1 }, { timeoutMs: 5, timeout: 5 } as never)).rejects.toMatchObject({
      option: "timeout",
    });
    const noCustomIds = new Proxy(replies, {
      get: (target, property) =>
        property === "capabilities" ? { ...target.capabilities, customIds: false } : (Reflect.get(target, property, target) as unknown),
    });
    expect(() => createProducer({ queue, replies: noCustomIds })).toThrow(InvalidOptionError);
    expect(() => createWorker({ queue, handlers: {}, replyQueue: noCustomIds })).toThrow(/replyQueue.*custom ids/);
    expect(() => createProducer({ queue, replyPollMs: 0 })).toThrow(InvalidOptionError);
    expect(() => createProducer({ queue, replies: {} as never })).toThrow(InvalidOptionError);
    // Nothing was enqueued by the refused requests.
    expect((await queue.stats()).ready).toBe(0);
  });
});
