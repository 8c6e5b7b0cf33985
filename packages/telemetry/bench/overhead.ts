/**
 * What telemetry costs the memory-queue job loop (producer enqueue, then a worker draining it
 * with a no-op handler), in three set-ups measured in the same run, round after round in turn:
 *
 * - off: as if `@opentelemetry/api` were not installed (the lazy loader's off switch);
 * - API, no SDK: the API is loaded but nothing is registered (spans are non-recording, metrics no-ops);
 * - SDK: a tracer provider with a batch processor whose exporter discards, a meter provider with a
 *   reader, the AsyncLocalStorage context manager and the W3C propagator: every span and
 *   measurement is made, only the export is left out (that cost belongs to the exporter).
 *
 * Rates are jobs per second of this process's CPU time, so other load on the machine moves them
 * less. `@x/worker` depends on this package, so it cannot be a dependency of it: the worker and
 * its queue are imported from their sources, which resolve their own dependencies.
 */
import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { compare, machine } from "../../../tools/bench/src/index.js";
import { createMemoryQueue } from "../../message/src/index.js";
import { createProducer, createWorker } from "../../worker/src/index.js";
import { setTelemetryEnabled } from "../src/index.js";

const api = createRequire(import.meta.url)("@opentelemetry/api") as typeof Api;
const JOBS = 20_000;
const ROUNDS = 7;

class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 100_000 })],
});
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    }),
  ],
});
const contextManager = new AsyncLocalStorageContextManager();

type Mode = "off" | "api" | "sdk";

function setUp(mode: Mode): void {
  api.trace.disable();
  api.metrics.disable();
  api.propagation.disable();
  api.context.disable();
  setTelemetryEnabled(mode !== "off");
  if (mode !== "sdk") return;
  api.context.setGlobalContextManager(contextManager.enable());
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Enqueues JOBS jobs through a producer and drains them with a worker; jobs per CPU second. */
async function round(): Promise<number> {
  const queue = createMemoryQueue();
  const producer = createProducer<{ noop: { n: number } }>({ queue });
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  for (let n = 0; n < JOBS; n++) await producer.enqueue("noop", { n });
  const worker = createWorker<{ noop: { n: number } }>({
    queue,
    handlers: { noop: () => undefined },
    shutdownAfterEmptyIterations: 0,
    handleSignals: false,
  });
  const { counters } = await worker.run();
  const used = process.cpuUsage(cpu);
  if (counters.succeeded !== JOBS) throw new Error(`expected ${JOBS} jobs to succeed, got ${counters.succeeded}`);
  await tracerProvider.forceFlush();
  return JOBS / ((used.user + used.system) / 1e6);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

console.log(machine());
const rates: Record<Mode, number[]> = { off: [], api: [], sdk: [] };
const modes: Mode[] = ["off", "api", "sdk"];
for (const mode of modes) {
  setUp(mode);
  await round(); // warm-up of each set-up
}
for (let i = 0; i < ROUNDS; i++) {
  // Each round starts with a different set-up, so none always runs on a warmer heap.
  for (const mode of [...modes.slice(i % 3), ...modes.slice(0, i % 3)]) {
    setUp(mode);
    rates[mode].push(await round());
  }
}
const name = `memory queue, ${JOBS.toLocaleString("en-US")} jobs enqueued by a producer and run by a worker (median of ${ROUNDS})`;
compare({
  name: `${name}, API without SDK`,
  unit: "jobs/CPU-s",
  ours: median(rates.api),
  baseline: median(rates.off),
  baselineName: "API not installed",
  target: ">= 0.9",
});
compare({
  name: `${name}, SDK registered`,
  unit: "jobs/CPU-s",
  ours: median(rates.sdk),
  baseline: median(rates.off),
  baselineName: "API not installed",
});
await tracerProvider.shutdown();
await meterProvider.shutdown();
