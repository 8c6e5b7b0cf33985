import { createMemoryQueue, type QueueAdapter } from "@x/message";
import * as v from "valibot";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  createProducer,
  createWorker,
  defineJob,
  InvalidJobPayloadError,
  InvalidOptionError,
  type StandardSchemaV1,
} from "../src/index.js";
import { record } from "./helpers.js";

let queue: QueueAdapter;
beforeEach(() => {
  queue = createMemoryQueue();
});
afterEach(async () => {
  await queue.close();
});

const drain = { handleSignals: false, pollTimeoutMs: 0, shutdownAfterEmptyIterations: 0, backoff: { type: "fixed", delayMs: 0 } } as const;

const email = z.object({ to: z.email(), retries: z.number().int().default(3) });

/** A Standard Schema whose validation throws: a bug in the schema, not in the payload. */
const throwing: StandardSchemaV1<unknown, unknown> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: () => {
      throw new Error("schema exploded");
    },
  },
};

describe("payload schemas in the worker", () => {
  it("the handler gets the schema's output; an invalid payload is buried at once with the issues, never run or retried", async () => {
    await queue.enqueue({ requestType: "send", payload: { to: "ada@example.com" } });
    await queue.enqueue({ requestType: "send", payload: { to: "not an address", retries: 1.5 } });
    const seen: unknown[] = [];
    const worker = createWorker({
      queue,
      handlers: {
        send: defineJob({
          schema: email,
          handle: (payload) => {
            expectTypeOf(payload).toEqualTypeOf<{ to: string; retries: number }>();
            seen.push(payload);
          },
        }),
      },
      ...drain,
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(seen).toEqual([{ to: "ada@example.com", retries: 3 }]);
    expect(counters).toMatchObject({ succeeded: 1, buried: 1, retried: 0 });
    const [buried] = events.of("buried");
    expect(buried).toMatchObject({ reason: "invalid-payload", attempt: 1 });
    expect(buried?.detail).toMatch(/^invalid payload: to: .+; retries: .+/);
    expect(await queue.stats()).toMatchObject({ buried: 1, ready: 0, delayed: 0 });
  });

  it("works with valibot, and with an async schema", async () => {
    await queue.enqueue({ requestType: "resize", payload: { width: "200" } });
    await queue.enqueue({ requestType: "lookup", payload: "taken" });
    await queue.enqueue({ requestType: "lookup", payload: "free" });
    const seen: unknown[] = [];
    const worker = createWorker({
      queue,
      handlers: {
        resize: defineJob({
          schema: v.object({ width: v.pipe(v.string(), v.transform(Number)) }),
          handle: ({ width }) => {
            expectTypeOf(width).toBeNumber();
            seen.push(width);
          },
        }),
        lookup: defineJob({
          schema: z.string().refine(async (name) => Promise.resolve(name !== "taken"), "name is taken"),
          handle: (name) => {
            seen.push(name);
          },
        }),
      },
      ...drain,
    });
    const events = record(worker);
    await worker.run();
    expect(seen).toEqual([200, "free"]);
    expect(events.of("buried").map((e) => e.detail)).toEqual(["invalid payload: name is taken"]);
  });

  it("a schema that throws is handled like a handler that throws: retried, then buried, never run", async () => {
    await queue.enqueue({ requestType: "x" });
    let ran = false;
    const worker = createWorker({
      queue,
      maxAttempts: 2,
      handlers: {
        x: {
          schema: throwing,
          handle: () => {
            ran = true;
          },
        },
      },
      ...drain,
      shutdownAfterEmptyIterations: 3,
    });
    const events = record(worker);
    await worker.run();
    expect(ran).toBe(false);
    expect(events.of("retried").map((e) => (e.error as Error).message)).toEqual(["schema exploded"]);
    expect(events.of("buried").map((e) => [e.reason, e.detail])).toEqual([
      ["max-attempts", "max attempts (2) reached; last error: Error: schema exploded"],
    ]);
  });

  it("a schema that is not a Standard Schema is refused, naming the option", () => {
    expect(() => createWorker({ queue, handlers: { x: { handle: () => undefined, schema: { parse: () => 1 } as never } } })).toThrow(
      expect.objectContaining({ option: "handlers.x.schema" }) as Error,
    );
  });
});

describe("payload schemas in the producer", () => {
  interface Jobs {
    send: z.input<typeof email>;
    free: unknown;
  }

  it("rejects an invalid payload with InvalidJobPayloadError listing the issues, and enqueues nothing", async () => {
    const producer = createProducer<Jobs>({ queue, schemas: { send: email } });
    const failure = await producer.enqueue("send", { to: "nope" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidJobPayloadError);
    expect((failure as InvalidJobPayloadError).requestType).toBe("send");
    expect((failure as InvalidJobPayloadError).issues.map((issue) => issue.path)).toEqual(["to"]);
    expect((failure as Error).message).toMatch(/^invalid payload for "send": to: /);
    expect((await queue.stats()).ready).toBe(0);
    // Valid payloads go in as given (the worker applies defaults and transforms); types without a schema are not checked.
    const stored = await producer.enqueue("send", { to: "ada@example.com" });
    expect(stored.body.payload).toEqual({ to: "ada@example.com" });
    await producer.enqueue("free", { anything: ["goes"] });
    expect((await queue.stats()).ready).toBe(2);
  });

  it("schemas that are not Standard Schemas are refused", () => {
    expect(() => createProducer<Jobs>({ queue, schemas: { send: 5 as never } })).toThrow(InvalidOptionError);
    expect(() => createProducer<Jobs>({ queue, schemas: 5 as never })).toThrow(InvalidOptionError);
  });
});
