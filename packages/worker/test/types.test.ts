/**
 * Type-level tests: `pnpm typecheck` checks them (a wrong `@ts-expect-error` fails the build) and
 * vitest runs them (expectTypeOf is a no-op at run time).
 */
import { createHeart } from "@x/heartbeat";
import { createMemoryQueue, type Message } from "@x/message";
import { describe, expectTypeOf, it } from "vitest";
import {
  createProducer,
  createWorker,
  defineHandlers,
  type HandlerMap,
  type JobContext,
  type ResultsOf,
  type WorkerHeart,
} from "../src/index.js";

interface Jobs {
  send_email: { to: string; subject?: string };
  resize: { url: string; width: number };
}

const queue = createMemoryQueue();

describe("handler typing", () => {
  it("handlers get the payload type of their request type", () => {
    createWorker<Jobs>({
      queue,
      handlers: {
        send_email: (payload, ctx) => {
          expectTypeOf(payload).toEqualTypeOf<{ to: string; subject?: string }>();
          expectTypeOf(ctx).toEqualTypeOf<JobContext>();
          expectTypeOf(ctx.message).toEqualTypeOf<Message>();
          expectTypeOf(ctx.attempt).toBeNumber();
          expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        },
        resize: (payload) => {
          expectTypeOf(payload.width).toBeNumber();
        },
      },
      handleSignals: false,
    });
  });

  it("a wrong payload shape, a missing or an unknown handler is a compile error", () => {
    createWorker<Jobs>({
      queue,
      handlers: {
        // @ts-expect-error -- `to` is a string, not a number
        send_email: (payload: { to: number }) => payload.to,
        resize: () => undefined,
      },
    });
    // @ts-expect-error -- the `resize` handler is missing
    createWorker<Jobs>({ queue, handlers: { send_email: () => undefined } });
    createWorker<Jobs>({
      queue,
      handlers: {
        send_email: () => undefined,
        resize: () => undefined,
        // @ts-expect-error -- no such request type
        crop: () => undefined,
      },
    });
    defineHandlers<Jobs>({
      send_email: (payload) => {
        // @ts-expect-error -- `to` is a string
        const to: number = payload.to;
        return to;
      },
      resize: () => undefined,
    });
  });

  it("without a job map, the map is inferred from annotated handlers, with or without ctx", () => {
    const handlers = { greet: (payload: { name: string }) => payload.name };
    expectTypeOf(handlers).toExtend<HandlerMap<{ greet: { name: string } }>>();
    createWorker({ queue, handlers });
    createWorker({
      queue,
      handlers: {
        greet: (payload: { name: string }, ctx) => {
          expectTypeOf(ctx.attempt).toBeNumber();
          return payload.name;
        },
      },
    });
  });

  it("the producer checks request types and payloads against the same map", async () => {
    const jobs = createProducer<Jobs>({ queue });
    expectTypeOf<ReturnType<typeof jobs.enqueue<"resize">>>().resolves.toEqualTypeOf<Message<{ url: string; width: number }>>();
    await jobs.enqueue("resize", { url: "u", width: 3 });
    // @ts-expect-error -- width must be a number
    await jobs.enqueue("resize", { url: "u", width: "3" });
    // @ts-expect-error -- unknown request type
    await jobs.enqueue("crop", { url: "u" });
  });

  it("a Heart from @x/heartbeat is a WorkerHeart, sync or async publisher", () => {
    expectTypeOf(createHeart({ process: "p", publisher: { publish: () => undefined } })).toExtend<WorkerHeart>();
    expectTypeOf(createHeart({ process: "p", publisher: { publish: async () => undefined } })).toExtend<WorkerHeart>();
  });
});

describe("job definitions", () => {
  it("a definition is typed by the job map like a plain handler, and a map may mix both", () => {
    createWorker<Jobs>({
      queue,
      handlers: {
        send_email: { timeoutMs: 5_000, rateLimit: { max: 10, intervalMs: 1_000 }, handle: (payload) => payload.to },
        resize: (payload) => payload.width,
      },
    });
    createWorker<Jobs>({
      queue,
      handlers: {
        // @ts-expect-error -- `to` is a string, not a number
        send_email: { handle: (payload: { to: number }) => payload.to },
        resize: () => undefined,
      },
    });
  });

  it("results are typed from the handlers for request()", () => {
    const handlers = { add: (p: { a: number }) => p.a + 1, hello: { handle: async () => "hi" } };
    expectTypeOf<ResultsOf<typeof handlers>>().toEqualTypeOf<{ readonly add: number; readonly hello: string }>();
    createWorker({ queue, handlers });
    // Only their types are looked at: calling request() would need a worker.
    const _producer = createProducer<{ add: { a: number }; hello: null }, ResultsOf<typeof handlers>>({ queue });
    expectTypeOf<ReturnType<typeof _producer.request<"add">>>().toEqualTypeOf<Promise<number>>();
    const _untyped = createProducer<{ add: { a: number } }>({ queue });
    expectTypeOf<ReturnType<typeof _untyped.request<"add">>>().toEqualTypeOf<Promise<unknown>>();
  });
});
