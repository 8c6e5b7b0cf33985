import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Actor, Actors, Event, Events } from "@x/events";
import type { QueueAdapter } from "@x/message";
import { createBeanstalkQueue } from "@x/queue-beanstalk";
import { createFileQueue } from "@x/queue-file";
import { startBeanstalkd, startNatsServer } from "@x/test-servers";
import { createProducer } from "@x/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, registerSdk, type SpanRecord } from "./sdk.js";

const WORKER = join(import.meta.dirname, "fixtures", "worker-process.ts");
const ORDER_PLACED = Event<{ order: string }>("order-placed");
const KIND = { CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;

let nats: Awaited<ReturnType<typeof startNatsServer>>;
let beanstalkd: Awaited<ReturnType<typeof startBeanstalkd>>;
const dirs: string[] = [];

beforeAll(async () => {
  [nats, beanstalkd] = await Promise.all([startNatsServer(), startBeanstalkd()]);
});
afterAll(async () => {
  await nats[Symbol.asyncDispose]();
  await beanstalkd[Symbol.asyncDispose]();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the worker process until the queue is empty; resolves to the spans it exported. */
async function runWorkerProcess(env: Record<string, string>): Promise<SpanRecord[]> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@x/source", WORKER], {
    env: { ...process.env, ...env, NATS_URL: nats.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as SpanRecord);
}

function one(spans: readonly SpanRecord[], name: string): SpanRecord {
  const [found, ...others] = spans.filter((span) => span.name === name);
  expect(others).toEqual([]);
  if (found === undefined) throw new Error(`no span named ${name}`);
  return found;
}

const backends: [string, () => { queue: QueueAdapter; env: Record<string, string> }][] = [
  [
    "the file queue",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "telemetry-e2e-"));
      dirs.push(dir);
      return { queue: createFileQueue({ dir, ttrMs: 30_000 }), env: { QUEUE: "file", QUEUE_DIR: dir } };
    },
  ],
  [
    "beanstalkd",
    () => ({
      queue: createBeanstalkQueue({ host: beanstalkd.host, port: beanstalkd.port, tube: "orders", ttrMs: 30_000 }),
      env: { QUEUE: "beanstalk", BEANSTALKD_HOST: beanstalkd.host, BEANSTALKD_PORT: String(beanstalkd.port) },
    }),
  ],
];

describe.each(backends)("one trace over %s, a worker process, NATS events and an actor", (system, open) => {
  it("has the right parent chain: test span, send job, process job, settle, send event, process event", async () => {
    const sdk = registerSdk();
    try {
      const { queue, env } = open();
      const handled: string[] = [];
      const ship = Actor("ship-order", ORDER_PLACED, ({ order }) => void handled.push(order));
      await using events = await Events(ORDER_PLACED).connect({ servers: nats.url });
      await using actors = await Actors(ship).connect({ servers: nats.url });
      await events.register();
      await actors.register();

      const tracer = api.trace.getTracer("telemetry-e2e");
      const checkout = await tracer.startActiveSpan("checkout", async (span) => {
        await createProducer<{ place_order: { order: string } }>({ queue }).enqueue("place_order", { order: "o-1" });
        span.end();
        return span.spanContext();
      });
      await queue.close();
      const workerSpans = await runWorkerProcess(env);
      await actors.listen({ burst: true });
      expect(handled).toEqual(["o-1"]);

      const spans = [...sdk.spans(), ...workerSpans];
      const send = one(spans, "send place_order");
      const process = one(spans, "process place_order");
      const ack = one(spans, "ack place_order");
      const emit = one(spans, "send order-placed");
      const handle = one(spans, "process order-placed");
      expect(
        new Set(spans.filter((span) => span.name !== "checkout" || span.spanId === checkout.spanId).map((span) => span.traceId)),
      ).toEqual(new Set([checkout.traceId]));
      expect(send.parentSpanId).toBe(checkout.spanId);
      expect(process.parentSpanId).toBe(send.spanId);
      expect(ack.parentSpanId).toBe(process.spanId);
      expect(emit.parentSpanId).toBe(process.spanId);
      expect(handle.parentSpanId).toBe(emit.spanId);
      // The worker's spans came from the other process: only there are they recorded.
      expect(workerSpans.map((span) => span.name).sort()).toEqual(["ack place_order", "process place_order", "send order-placed"]);
      expect([send.kind, process.kind, ack.kind, emit.kind, handle.kind]).toEqual([
        KIND.PRODUCER,
        KIND.CONSUMER,
        KIND.CLIENT,
        KIND.PRODUCER,
        KIND.CONSUMER,
      ]);
      const queueName = system === "beanstalkd" ? "beanstalk" : "file";
      expect(process.attributes).toMatchObject({
        "messaging.system": queueName,
        "messaging.operation.type": "process",
        "messaging.destination.name": "place_order",
        "x.messaging.delivery.count": 1,
        "x.outcome": "succeeded",
      });
      expect(send.attributes["messaging.message.id"]).toBeTypeOf("string");
      expect(ack.attributes["messaging.operation.type"]).toBe("settle");
      expect(handle.attributes).toMatchObject({ "messaging.system": "nats", "messaging.consumer.group.name": "ship-order" });
    } finally {
      await sdk.shutdown();
    }
  });
});
