import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricReader,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

/** The copy of the API `@x/telemetry` loads (CommonJS); the SDK registers on the same global anyway. */
export const api = createRequire(import.meta.url)("@opentelemetry/api") as typeof Api;

/** A finished span, as the worker process writes it on stdout and as the tests compare them. */
export interface SpanRecord {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly status: number;
}

export function spanRecord(span: ReadableSpan): SpanRecord {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
    status: span.status.code,
  };
}

/** An SDK registered globally: spans to `exporter` (in memory by default), metrics to `reader`. */
export interface TestSdk {
  spans(): SpanRecord[];
  readonly reader: MetricReader;
  shutdown(): Promise<void>;
}

export function registerSdk(options: { exporter?: SpanExporter; reader?: MetricReader } = {}): TestSdk {
  const memory = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(options.exporter ?? memory)] });
  const reader =
    options.reader ??
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
  const meterProvider = new MeterProvider({ readers: [reader] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    spans: () => memory.getFinishedSpans().map(spanRecord),
    reader,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      api.trace.disable();
      api.metrics.disable();
      api.propagation.disable();
      api.context.disable();
    },
  };
}

/** A metric point: its value (a number, or a histogram's summary) and attributes. */
export interface MetricPoint {
  readonly value: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Collects every metric of the SDK's reader now: name -> data points. */
export async function collect(sdk: TestSdk): Promise<Map<string, MetricPoint[]>> {
  const { resourceMetrics } = await sdk.reader.collect();
  const out = new Map<string, MetricPoint[]>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics)
      out.set(
        metric.descriptor.name,
        metric.dataPoints.map((point) => ({ value: point.value, attributes: { ...point.attributes } })),
      );
  return out;
}
