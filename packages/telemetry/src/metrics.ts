import type { Counter, Histogram, Meter, MeterProvider, ObservableGauge, ObservableResult, UpDownCounter } from "@opentelemetry/api";
import { apiGeneration, metricsActive, otelApi } from "./api.js";
import { DURATION_BUCKETS_S, type InstrumentSpec } from "./schema.js";
import type { AttributeMap } from "./tracing.js";

/** Reports the current values of a gauge: call `observe(value, attributes)` once per series. */
export type GaugeCallback = (observe: (value: number, attributes?: AttributeMap) => void) => void | Promise<void>;

/** The instruments of one package, by the keys of its part of the schema. */
export interface Instruments<S extends Readonly<Record<string, InstrumentSpec>>> {
  /** Adds to a counter (or an up-down counter). Nothing happens without the API or an SDK. */
  add(key: keyof S, value: number, attributes?: AttributeMap): void;
  /** Records a histogram value (durations in seconds). */
  record(key: keyof S, value: number, attributes?: AttributeMap): void;
  /**
   * Registers what a gauge reports at each collection; returns the function that removes it.
   * The callback is kept across SDK changes: a meter provider registered later collects it too.
   */
  observe(key: keyof S, callback: GaugeCallback): () => void;
}

type Built = Counter | Histogram | UpDownCounter | ObservableGauge;

interface Current {
  readonly generation: number;
  readonly provider: MeterProvider;
  readonly built: Map<string, Built>;
}

/** The attributes without their `undefined` values; the same object when it has none (the common case: no copy). */
function clean(attributes: AttributeMap | undefined): Readonly<Record<string, string | number | boolean>> | undefined {
  if (attributes === undefined) return undefined;
  let complete = true;
  for (const key in attributes) if (attributes[key] === undefined) complete = false;
  if (complete) return attributes as Readonly<Record<string, string | number | boolean>>;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

function build(meter: Meter, spec: InstrumentSpec): Built {
  const options = { unit: spec.unit, description: spec.description };
  switch (spec.kind) {
    case "counter":
      return meter.createCounter(spec.name, options);
    case "updown":
      return meter.createUpDownCounter(spec.name, options);
    case "histogram":
      return meter.createHistogram(spec.name, { ...options, advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] } });
    case "gauge":
      return meter.createObservableGauge(spec.name, options);
  }
}

/**
 * The instruments of `specs` for instrumentation `scope`. They are made on first use and made
 * again when the global meter provider changes (the metrics API has no proxy: an instrument taken
 * from the no-op provider would stay a no-op after an SDK is registered).
 */
export function createInstruments<S extends Readonly<Record<string, InstrumentSpec>>>(scope: string, specs: S): Instruments<S> {
  let current: Current | undefined;
  const observers = new Map<string, Set<(result: ObservableResult) => void | Promise<void>>>();

  function instrument(key: keyof S): Built | undefined {
    // No meter provider: every instrument would be a no-op, so none is made or called.
    if (!metricsActive()) return undefined;
    const api = otelApi();
    if (api === undefined) return undefined;
    const provider = api.metrics.getMeterProvider();
    if (current?.provider !== provider || current.generation !== apiGeneration()) {
      current = { generation: apiGeneration(), provider, built: new Map() };
      const meter = provider.getMeter(scope);
      for (const [name, spec] of Object.entries(specs)) {
        const made = build(meter, spec);
        current.built.set(name, made);
        if (spec.kind === "gauge") for (const callback of observers.get(name) ?? []) (made as ObservableGauge).addCallback(callback);
      }
    }
    return current.built.get(key as string);
  }

  return {
    add(key, value, attributes) {
      (instrument(key) as Counter | undefined)?.add(value, clean(attributes));
    },
    record(key, value, attributes) {
      (instrument(key) as Histogram | undefined)?.record(value, clean(attributes));
    },
    observe(key, callback) {
      const name = key as string;
      const wrapped = (result: ObservableResult): void | Promise<void> =>
        callback((value, attributes) => {
          result.observe(value, clean(attributes));
        });
      let set = observers.get(name);
      if (set === undefined) observers.set(name, (set = new Set()));
      set.add(wrapped);
      const before = current;
      const gauge = instrument(key) as ObservableGauge | undefined;
      // A rebuild inside instrument() has attached every callback in the set, this one included.
      if (gauge !== undefined && current === before) gauge.addCallback(wrapped);
      return () => {
        set.delete(wrapped);
        (current?.built.get(name) as ObservableGauge | undefined)?.removeCallback(wrapped);
      };
    },
  };
}
