import { createMemoryQueue } from "@x/message";
import { createProducer, createWorker, respond } from "@x/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerSdk, type TestSdk } from "./sdk.js";

function recordingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const push = (fields: Record<string, unknown>, message: string): void => {
    lines.push({ fields, message });
  };
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

describe("the worker's spans with an SDK", () => {
  let sdk: TestSdk;
  beforeAll(() => {
    sdk = registerSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("log lines about a job carry the trace and span ids of its process span", async () => {
    const queue = createMemoryQueue();
    await queue.enqueue({ requestType: "flaky" });
    const { lines, logger } = recordingLogger();
    const worker = createWorker({
      queue,
      handlers: {
        flaky: () => {
          throw new Error("boom");
        },
      },
      backoff: { type: "fixed", delayMs: 60_000 },
      logger,
      shutdownAfterEmptyIterations: 0,
      handleSignals: false,
    });
    await worker.run();
    const process = sdk.spans().find((span) => span.name === "process flaky");
    const retried = lines.find((line) => line.message === "job released for a retry");
    expect(retried?.fields).toMatchObject({ traceId: process?.traceId, spanId: process?.spanId });
    expect(process?.status).toBe(2);
    expect(process?.attributes["x.outcome"]).toBe("retried");
    expect(lines.find((line) => line.message === "worker started")?.fields.traceId).toBeUndefined();
  });

  it("a job whose traceparent is malformed or hostile runs normally in a new trace, with a debug line", async () => {
    const queue = createMemoryQueue();
    const hostile = ["00-zz-yy-01", `00-${"0".repeat(32)}-b7ad6b7169203331-01`, "x".repeat(100_000)];
    for (const traceparent of hostile) await queue.enqueue({ requestType: "hostile", header: { traceparent, tracestate: "\u0000" } });
    const { lines, logger } = recordingLogger();
    let ran = 0;
    const worker = createWorker({
      queue,
      handlers: {
        hostile: () => {
          ran++;
        },
      },
      logger,
      shutdownAfterEmptyIterations: 0,
      handleSignals: false,
    });
    const { counters } = await worker.run();
    expect(ran).toBe(3);
    expect(counters.succeeded).toBe(3);
    const spans = sdk.spans().filter((span) => span.name === "process hostile");
    expect(spans).toHaveLength(3);
    expect(spans.every((span) => span.parentSpanId === undefined)).toBe(true);
    expect(lines.filter((line) => line.message === "ignored a malformed traceparent")).toHaveLength(3);
  });

  it("follow-up jobs (respond) and request() replies are send spans under the job's process span", async () => {
    const queue = createMemoryQueue();
    const replies = createMemoryQueue();
    const worker = createWorker({
      queue,
      handlers: {
        order: () => respond({ requestType: "invoice", payload: { n: 1 } }),
        invoice: () => 42,
      },
      replyQueue: replies,
      handleSignals: false,
    });
    const running = worker.run();
    const producer = createProducer<{ order: null; invoice: { n: number } }>({ queue, replies, replyPollMs: 5 });
    await producer.enqueue("order", null);
    expect(await producer.request("invoice", { n: 2 }, { timeoutMs: 10_000 })).toBe(42);
    await worker.close();
    await running;
    const spans = sdk.spans();
    const byName = (name: string) => spans.filter((span) => span.name === name);
    const orderProcess = byName("process order")[0];
    // The follow-up invoice job: sent under "process order", then processed in the same trace.
    const followUp = byName("send invoice").find((span) => span.parentSpanId === orderProcess?.spanId);
    expect(followUp?.traceId).toBe(orderProcess?.traceId);
    const followUpProcess = byName("process invoice").find((span) => span.parentSpanId === followUp?.spanId);
    expect(followUpProcess?.traceId).toBe(orderProcess?.traceId);
    // The request: its send span, the worker's process span, then the reply sent under it.
    const requested = byName("send invoice").find((span) => span.parentSpanId !== orderProcess?.spanId);
    const requestedProcess = byName("process invoice").find((span) => span.parentSpanId === requested?.spanId);
    expect(requestedProcess).toBeDefined();
    const reply = byName("send x.reply")[0];
    expect(reply?.parentSpanId).toBe(requestedProcess?.spanId);
    expect(reply?.traceId).toBe(requested?.traceId);
  });
});
