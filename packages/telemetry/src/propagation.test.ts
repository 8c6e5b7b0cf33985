import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestSdk, type TestSdk } from "../test/sdk.js";
import { extractTraceContext, injectTraceContext, traceparentProblem } from "./propagation.js";
import { startSpan } from "./tracing.js";

const VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function recordingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const push = (fields: Record<string, unknown>, message: string) => {
    lines.push({ fields, message });
  };
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

describe("traceparentProblem", () => {
  it("accepts W3C version 00 and future versions with more fields", () => {
    expect(traceparentProblem(VALID)).toBeUndefined();
    expect(traceparentProblem(`01${VALID.slice(2)}-extra`)).toBeUndefined();
  });
  it.each([
    ["uppercase", VALID.toUpperCase()],
    ["zero trace id", `00-${"0".repeat(32)}-b7ad6b7169203331-01`],
    ["zero span id", `00-0af7651916cd43dd8448eb211c80319c-${"0".repeat(16)}-01`],
    ["version ff", `ff${VALID.slice(2)}`],
    ["00 with an extra field", `${VALID}-x`],
    ["oversize", `${VALID}-${"a".repeat(10_000)}`],
    ["not a string", 42],
  ])("rejects %s", (_name, value) => {
    expect(traceparentProblem(value)).toBeTypeOf("string");
  });
});

describe("inject and extract with an SDK", () => {
  let sdk: TestSdk;
  beforeAll(() => {
    sdk = registerTestSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("a consumer span continues the producer's trace through a header record", () => {
    const producer = startSpan("test", "send x", { kind: "producer" });
    const header = producer?.inject<Record<string, unknown>>({ source: "shop" });
    producer?.end();
    expect(header?.traceparent).toMatch(new RegExp(`^00-${producer?.traceId}-${producer?.spanId}-01$`));
    expect(header?.source).toBe("shop");
    const consumer = startSpan("test", "process x", { kind: "consumer", parentHeaders: header ?? {} });
    consumer?.end();
    const finished = sdk.spans().find((span) => span.name === "process x");
    expect(finished?.spanContext().traceId).toBe(producer?.traceId);
    expect(finished?.parentSpanContext?.spanId).toBe(producer?.spanId);
  });

  it("a malformed or hostile traceparent gives a new trace and one debug line, never an error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 2000 }), fc.constant(`${VALID}x`)), (hostile) => {
        fc.pre(traceparentProblem(hostile) !== undefined);
        const { lines, logger } = recordingLogger();
        const span = startSpan("test", "process y", { parentHeaders: { traceparent: hostile, tracestate: hostile }, logger });
        span?.end();
        expect(span?.traceId).not.toBe("0af7651916cd43dd8448eb211c80319c");
        expect(lines.map((line) => line.message)).toEqual(["ignored a malformed traceparent"]);
      }),
      { seed: 17, numRuns: 200 },
    );
    const fresh = sdk.spans().filter((span) => span.name === "process y");
    expect(fresh.every((span) => span.parentSpanContext === undefined)).toBe(true);
  });

  it("extracts nothing from a header without traceparent, and drops an oversize tracestate", () => {
    const { lines, logger } = recordingLogger();
    const span = startSpan("test", "process z", { parentHeaders: { traceparent: VALID, tracestate: `a=${"b".repeat(5000)}` }, logger });
    span?.end();
    expect(span?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(lines).toEqual([]);
    expect(extractTraceContext({})).toBeDefined();
  });

  it("inject outside any span writes nothing", () => {
    expect(injectTraceContext({})).toEqual({});
  });
});
