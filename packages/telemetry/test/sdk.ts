import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

// The same copy of the API `@x/telemetry` loads (the CommonJS one).
const { context, metrics, propagation, trace } = createRequire(import.meta.url)("@opentelemetry/api") as typeof Api;

/** An SDK registered globally for a test: finished spans in memory, metrics collected on demand. */
export interface TestSdk {
  spans(): ReadableSpan[];
  /** Collects every metric now: name -> data points. */
  collect(): Promise<Map<string, { value: unknown; attributes: Record<string, unknown> }[]>>;
  shutdown(): Promise<void>;
}

export function registerTestSdk(): TestSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    spans: () => exporter.getFinishedSpans(),
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const out = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics)
          out.set(
            metric.descriptor.name,
            metric.dataPoints.map((point) => ({ value: point.value, attributes: { ...point.attributes } })),
          );
      return out;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}
