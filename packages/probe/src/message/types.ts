/** Severity of a state: `expected` is fine, `warning` and `error` need attention. */
export type Severity = "expected" | "warning" | "error";

/** Severity a threshold assigns when it is crossed. */
export type ThresholdSeverity = "warning" | "error";

/** How a value evolves: a reading (`direct`), a counter (`accumulative`), or a delta (`differential`). */
export type ValueType = "direct" | "accumulative" | "differential";

/** One threshold of a value: crossing `value` means `severity`. */
export interface Threshold {
  /** Its name, e.g. `warning` or `critical`. */
  readonly name: string;
  /** Where it lies. */
  readonly value: number;
  /** What crossing it means. */
  readonly severity: ThresholdSeverity;
}

/** What a value has both in {@link MetricValue} (on the wire) and in `createMessage`'s input. */
export interface ValueFields {
  /** The reading; `null` when it could not be read. */
  readonly value: number | null;
  /** Unit, e.g. `"s"`, `"%"`, `"B"`. @default none */
  readonly unit?: string;
  /** How the value evolves. @default none (readers assume `"direct"`) */
  readonly type?: ValueType;
  /** Smallest possible value (Nagios perfdata `min`); an extension of the v3 schema. @default none */
  readonly min?: number;
  /** Largest possible value (Nagios perfdata `max`); an extension of the v3 schema. @default none */
  readonly max?: number;
}

/** One entry of `event.vset`. */
export interface MetricValue extends ValueFields {
  /** Crossed when the value goes above a threshold. */
  readonly threshold_high?: readonly Threshold[];
  /** Crossed when the value goes below a threshold. */
  readonly threshold_low?: readonly Threshold[];
}

/** `event.state`: a named state and its severity. */
export interface EventState {
  /** The state, e.g. `ok`, `critical`, `unknown`. */
  readonly value: string;
  /** How bad it is. @default none (readers assume `"expected"`) */
  readonly severity?: Severity;
}

/** The `event` part of a message: what was observed. */
export interface ProbeEvent {
  /** The aspect, e.g. `"load"` or `"disk usage"`. */
  readonly name: string;
  /** A named state and its severity. */
  readonly state?: EventState;
  /** Named values (a metric message). */
  readonly vset?: Readonly<Record<string, MetricValue>>;
  /** Free text. */
  readonly comment?: string;
  /** Seconds until the next message of this aspect is expected. */
  readonly interval?: number;
  /** Which threshold the values stayed within (readers assume `ok`). */
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
  /** The schema version: always 3. */
  readonly v: 3;
  /** Unix time in seconds. */
  readonly time: number;
  /** Where it was observed, e.g. `{ host: "web1" }`; values are strings. */
  readonly location: Readonly<Record<string, string>>;
  /** What was observed. */
  readonly event: ProbeEvent;
}
