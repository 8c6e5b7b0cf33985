import { createMemoryQueue, InvalidArgumentError, type JsonValue, type QueueAdapter, type Reservation } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker, type JobContext, JobEndedError } from "../src/index.js";
import { record } from "./helpers.js";

let memory: QueueAdapter;
beforeEach(() => {
  memory = createMemoryQueue();
});
afterEach(async () => {
  await memory.close();
});

const drain = { handleSignals: false, pollTimeoutMs: 0, shutdownAfterEmptyIterations: 0 } as const;

/** The memory queue, seen through an adapter that declares `progress` and records each call (and each touch). */
function withProgress(queue: QueueAdapter, declare: boolean) {
  const calls: { readonly kind: "progress" | "touch"; readonly value?: JsonValue }[] = [];
  const wrap = (reservation: Reservation): Reservation => ({
    message: reservation.message,
    leaseMs: reservation.leaseMs,
    ack: () => reservation.ack(),
    release: (options) => reservation.release(options),
    bury: (reason) => reservation.bury(reason),
    touch: () => {
      calls.push({ kind: "touch" });
      return reservation.touch();
    },
    progress: (value) => {
      calls.push({ kind: "progress", value });
      return reservation.touch();
    },
  });
  const wrapped = new Proxy(queue, {
    get(target, property) {
      if (property === "capabilities") return { ...target.capabilities, progress: declare };
      if (property === "reserve") return async (options: object) => ((r) => r && wrap(r))(await target.reserve(options));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { queue: wrapped, calls };
}

describe("ctx.progress", () => {
  it("emits a typed progress event and stores the value with Reservation.progress where the adapter has it", async () => {
    const { queue, calls } = withProgress(memory, true);
    await queue.enqueue({ requestType: "import", payload: 3 });
    const worker = createWorker({
      queue,
      handlers: {
        import: async (rows: number, ctx) => {
          for (let row = 1; row <= rows; row++) await ctx.progress(row / rows);
          await ctx.progress({ rows, phase: "done" });
        },
      },
      ...drain,
    });
    const events = record(worker);
    await worker.run();
    expect(events.of("progress").map((e) => e.value)).toEqual([1 / 3, 2 / 3, 1, { rows: 3, phase: "done" }]);
    expect(events.of("progress").every((e) => e.attempt === 1 && e.message.body.payload === 3)).toBe(true);
    expect(calls).toEqual([
      { kind: "progress", value: 1 / 3 },
      { kind: "progress", value: 2 / 3 },
      { kind: "progress", value: 1 },
      { kind: "progress", value: { rows: 3, phase: "done" } },
    ]);
  });

  it("on the memory queue, whoever lists reserved jobs sees the last progress of a running job", async () => {
    expect(memory.capabilities.progress).toBe(true);
    await memory.enqueue({ id: "import-1", requestType: "import" });
    let release: () => void = () => undefined;
    let reported: () => void = () => undefined;
    const reportedAll = new Promise<void>((resolve) => (reported = resolve));
    const worker = createWorker({
      queue: memory,
      handlers: {
        import: async (_p: unknown, ctx) => {
          await ctx.progress(10);
          await ctx.progress({ done: 40, of: 100 });
          reported();
          await new Promise<void>((resolve) => (release = resolve));
        },
      },
      ...drain,
    });
    const running = worker.run();
    await reportedAll;
    const page = await memory.list?.({ state: "reserved" });
    expect(page?.jobs.map((job) => [job.id, job.progress])).toEqual([["import-1", { done: 40, of: 100 }]]);
    release();
    await running;
  });

  it("touches the lease instead where the adapter cannot store progress", async () => {
    const { queue, calls } = withProgress(memory, false);
    await queue.enqueue({ requestType: "import" });
    const worker = createWorker({ queue, handlers: { import: (_p: unknown, ctx) => ctx.progress(50) }, ...drain });
    const events = record(worker);
    await worker.run();
    expect(calls).toEqual([{ kind: "touch" }]);
    expect(events.of("progress").map((e) => e.value)).toEqual([50]);
  });

  it("a value that is not JSON, or bigger than 64 KiB, rejects with InvalidArgumentError and is not emitted", async () => {
    await memory.enqueue({ requestType: "bad" });
    const errors: unknown[] = [];
    const worker = createWorker({
      queue: memory,
      handlers: {
        bad: async (_p: unknown, ctx) => {
          for (const value of [10n, Number.NaN, { at: new Date() }, "x".repeat(70_000)]) {
            await ctx.progress(value as never).catch((error: unknown) => errors.push(error));
          }
        },
      },
      ...drain,
    });
    const events = record(worker);
    await worker.run();
    expect(errors).toHaveLength(4);
    expect(errors.every((error) => error instanceof InvalidArgumentError)).toBe(true);
    expect(events.of("progress")).toHaveLength(0);
    expect(events.of("succeeded")).toHaveLength(1);
  });

  it("after the job ended it rejects with JobEndedError and touches nothing", async () => {
    const { queue, calls } = withProgress(memory, true);
    await queue.enqueue({ requestType: "leak" });
    let kept: JobContext | undefined;
    const worker = createWorker({
      queue,
      handlers: {
        leak: (_p: unknown, ctx) => {
          kept = ctx;
        },
      },
      ...drain,
    });
    const events = record(worker);
    await worker.run();
    await expect(kept?.progress(1)).rejects.toBeInstanceOf(JobEndedError);
    expect(calls).toEqual([]);
    expect(events.of("progress")).toHaveLength(0);
  });
});
