/** Severity of a state: `expected` is fine, `warning` and `error` need attention. */
export type Severity = "expected" | "warning" | "error";

/** Severity a threshold assigns when it is crossed. */
export type ThresholdSeverity = "warning" | "error";

/** How a value evolves: a reading (`direct`), a counter (`accumulative`), or a delta (`differential`). */
export type ValueType = "direct" | "accumulative" | "differential";

/** One threshold of a value: crossing `value` means `severity`. */
export interface Threshold {
  readonly name: string;
  readonly value: number;
  readonly severity: ThresholdSeverity;
}

/** One entry of `event.vset`. `null` is a value that could not be read. */
export interface MetricValue {
  readonly value: number | null;
  readonly unit?: string;
  readonly type?: ValueType;
  /** Crossed when the value goes above a threshold. */
  readonly threshold_high?: readonly Threshold[];
  /** Crossed when the value goes below a threshold. */
  readonly threshold_low?: readonly Threshold[];
  /** Smallest possible value (Nagios perfdata `min`); an extension of the v3 schema. */
  readonly min?: number;
  /** Largest possible value (Nagios perfdata `max`); an extension of the v3 schema. */
  readonly max?: number;
}

/** `event.state`: a named state and its severity. */
export interface EventState {
  readonly value: string;
  readonly severity?: Severity;
}

/** The `event` part of a message: what was observed. */
export interface ProbeEvent {
  /** The aspect, e.g. `"load"` or `"disk usage"`. */
  readonly name: string;
  readonly state?: EventState;
  readonly vset?: Readonly<Record<string, MetricValue>>;
  readonly comment?: string;
  /** Seconds until the next message of this aspect is expected. */
  readonly interval?: number;
  readonly threshold_kept?: string;
}

/**
 * A seismometer message, schema v3, as it goes on the wire (one JSON object per line).
 *
 * @example
 * ```json
 * {"v":3,"time":1000,"location":{"host":"h"},"event":{"name":"uptime","vset":{"value":{"value":1.5}}}}
 * ```
 */
export interface ProbeMessage {
  readonly v: 3;
  /** Unix time in seconds. */
  readonly time: number;
  /** Where it was observed, e.g. `{ host: "web1" }`; values are strings. */
  readonly location: Readonly<Record<string, string>>;
  readonly event: ProbeEvent;
}
