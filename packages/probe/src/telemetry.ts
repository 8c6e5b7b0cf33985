import {
  ATTR,
  createInstruments,
  metricsActive,
  otelApi,
  PROBE_INSTRUMENTS,
  SCOPE,
  SPAN,
  type SpanScope,
  startSpan,
  telemetryActive,
} from "@x/telemetry";

/** The probe instruments of the schema (`x.probe.*`). */
export const probeInstruments = createInstruments(SCOPE.probe, PROBE_INSTRUMENTS);

/** How a check run ended: `ok`, or the failure's kind (`exception`, `timeout`, `no-result`). */
export type CheckRunState = "ok" | "exception" | "timeout" | "no-result";

/** One check run's span and clock; made only when `@opentelemetry/api` is there. */
export class CheckRun {
  readonly #span: SpanScope | undefined;
  readonly #name: string;
  readonly #startedAt: number;

  constructor(name: string, startedAt: number) {
    this.#name = name;
    this.#startedAt = startedAt;
    this.#span = startSpan(SCOPE.probe, `${SPAN.PROBE_CHECK} ${name}`, { attributes: { [ATTR.PROBE_CHECK]: name } });
  }

  /** A run's telemetry, or `undefined` without the API: the scheduler's hot path then pays one check. */
  static start(name: string, now: number): CheckRun | undefined {
    return telemetryActive() ? new CheckRun(name, now) : undefined;
  }

  /** Runs the check inside the run's span, so spans it starts (an HTTP call) are its children. */
  run<T>(fn: () => T): T {
    return this.#span === undefined ? fn() : this.#span.run(fn);
  }

  /** The run ended at `now` (monotonic ms) in `state`; `error` for a failure. */
  end(now: number, state: CheckRunState, error?: unknown): void {
    const attributes = { [ATTR.PROBE_CHECK]: this.#name, [ATTR.PROBE_STATE]: state };
    probeInstruments.add("checkRuns", 1, attributes);
    probeInstruments.record("checkDuration", Math.max(0, now - this.#startedAt) / 1000, attributes);
    this.#span?.setAttribute(ATTR.PROBE_STATE, state);
    this.#span?.end(error);
  }
}

/** Counts messages an output dropped (spool full, encoding failures, undelivered at close). */
export function countDropped(output: string, count: number): void {
  if (!metricsActive()) return;
  probeInstruments.add("spoolDropped", count, { "x.probe.output": output });
}

/**
 * Reports `x.probe.spool.size` of an output at each collection until the returned function is
 * called; the output is held weakly, so one dropped without `close()` is not kept alive.
 */
export function observeSpool<T extends object>(output: T, name: string, size: (output: T) => number): () => void {
  if (otelApi() === undefined) return () => undefined;
  const ref = new WeakRef(output);
  const stop = probeInstruments.observe("spoolSize", (observe) => {
    const alive = ref.deref();
    if (alive === undefined) {
      stop();
      return;
    }
    observe(size(alive), { "x.probe.output": name });
  });
  return stop;
}
