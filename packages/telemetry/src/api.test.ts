import { afterEach, describe, expect, it } from "vitest";
import { metricsActive, otelApi, setApiLoader, setTelemetryEnabled, telemetryActive, tracingActive } from "./api.js";
import { createInstruments } from "./metrics.js";
import { extractTraceContext, injectTraceContext } from "./propagation.js";
import { JOB_INSTRUMENTS } from "./schema.js";
import { activeTraceFields, startSpan } from "./tracing.js";

function notFound(): never {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: "MODULE_NOT_FOUND" });
}

afterEach(() => {
  setApiLoader();
  setTelemetryEnabled(true);
});

describe("without @opentelemetry/api", () => {
  it("every helper is a no-op", () => {
    setApiLoader(notFound);
    expect(otelApi()).toBeUndefined();
    expect(startSpan("test", "send x")).toBeUndefined();
    expect(injectTraceContext({ a: 1 })).toEqual({ a: 1 });
    expect(extractTraceContext({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" })).toBeUndefined();
    expect(activeTraceFields()).toBeUndefined();
    const instruments = createInstruments("test", JOB_INSTRUMENTS);
    instruments.add("enqueued", 1);
    instruments.record("duration", 0.1);
    instruments.observe("depth", () => undefined)();
  });

  it("a broken install is not hidden", () => {
    setApiLoader(() => {
      throw new SyntaxError("Unexpected token");
    });
    expect(() => otelApi()).toThrow(SyntaxError);
  });

  it("the off switch acts like a missing API, and switching on loads it again", () => {
    setTelemetryEnabled(false);
    expect(otelApi()).toBeUndefined();
    setTelemetryEnabled(true);
    expect(otelApi()?.trace).toBeDefined();
  });
});

describe("with the API and no SDK", () => {
  it("nothing is active: no span is made, nothing is injected, instruments are not built", () => {
    expect(otelApi()).toBeDefined();
    expect(tracingActive()).toBe(false);
    expect(metricsActive()).toBe(false);
    expect(telemetryActive()).toBe(false);
    expect(startSpan("test", "send x", { kind: "producer" })).toBeUndefined();
    expect(injectTraceContext({})).toEqual({});
  });
});
