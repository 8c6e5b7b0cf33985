import { InvalidProbeMessageError } from "../errors.js";
import type { EventState, MetricValue, ProbeEvent, ProbeMessage, Severity, Threshold, ValueFields } from "./types.js";
import { assertMessage } from "./validate.js";

/**
 * What {@link createMessage} returns: a plain-data message whose class marks it as validated, so
 * the scheduler does not check it again (a class test is far cheaper than a WeakSet lookup).
 * It serializes like any object literal.
 */
class BuiltMessage implements ProbeMessage {
  readonly v = 3 as const;
  readonly time: number;
  readonly location: Readonly<Record<string, string>>;
  readonly event: ProbeEvent;

  constructor(time: number, location: Readonly<Record<string, string>>, event: ProbeEvent) {
    this.time = time;
    this.location = location;
    this.event = event;
  }
}

/** Whether `value` came from {@link createMessage} (and so was validated when built). */
export function isBuiltMessage(value: unknown): boolean {
  return value instanceof BuiltMessage;
}

/** A threshold for {@link ValueInit}: the same shape as on the wire. */
export type ThresholdInit = Threshold;

/** A value with its unit and thresholds, for {@link MessageInit.values}. */
export interface ValueInit extends ValueFields {
  /** Thresholds crossed when the value goes above them (`threshold_high`). @default [] */
  readonly above?: readonly ThresholdInit[];
  /** Thresholds crossed when the value goes below them (`threshold_low`). @default [] */
  readonly below?: readonly ThresholdInit[];
}

/** What {@link createMessage} builds a message from. */
export interface MessageInit {
  /** The aspect observed; becomes `event.name`. */
  readonly aspect: string;
  /** Unix time in seconds, truncated to an integer. @default the current time */
  readonly time?: number;
  /** Where it was observed; values must be strings. @default {} */
  readonly location?: Readonly<Record<string, string>>;
  /** A state such as `"ok"` or `"critical"`; becomes `event.state.value`. @default none */
  readonly state?: string;
  /** Severity of `state`; needs `state`. @default none (readers assume `"expected"`) */
  readonly severity?: Severity;
  /** Free text. @default none */
  readonly comment?: string;
  /**
   * Milliseconds until the next message of this aspect is expected; the wire field
   * `event.interval` is in seconds, as seismometer defines it. @default none
   */
  readonly intervalMs?: number;
  /** Shorthand for `values: { value }`. @default none */
  readonly value?: number | null | ValueInit;
  /** Named values; becomes `event.vset`. @default none */
  readonly values?: Readonly<Record<string, number | null | ValueInit>>;
}

/** The wire form of one value, as {@link createMessage} puts it into `event.vset`. */
export function metric(init: number | null | ValueInit): MetricValue {
  if (init === null || typeof init === "number") return { value: init };
  const entry: { -readonly [K in keyof MetricValue]: MetricValue[K] } = { value: init.value };
  if (init.unit !== undefined) entry.unit = init.unit;
  if (init.type !== undefined) entry.type = init.type;
  if (init.above !== undefined && init.above.length > 0) entry.threshold_high = init.above.map(threshold);
  if (init.below !== undefined && init.below.length > 0) entry.threshold_low = init.below.map(threshold);
  if (init.min !== undefined) entry.min = init.min;
  if (init.max !== undefined) entry.max = init.max;
  return entry;
}

const threshold = (t: ThresholdInit): Threshold => ({ name: t.name, value: t.value, severity: t.severity });

/**
 * Builds a valid seismometer v3 message, or throws {@link InvalidProbeMessageError} naming the problem.
 *
 * @example
 * ```ts
 * const msg = createMessage({ aspect: "uptime", location: { host: "h" }, value: 1.5, time: 1000 });
 * // {"v":3,"time":1000,"location":{"host":"h"},"event":{"name":"uptime","vset":{"value":{"value":1.5}}}}
 * ```
 */
export function createMessage(init: MessageInit): ProbeMessage {
  if (typeof (init as Partial<MessageInit> | undefined)?.aspect !== "string") {
    throw new InvalidProbeMessageError("aspect must be a string");
  }
  if (init.severity !== undefined && init.state === undefined) throw new InvalidProbeMessageError("severity needs a state");
  const time = init.time ?? Date.now() / 1000;
  const event: { -readonly [K in keyof ProbeEvent]: ProbeEvent[K] } = { name: init.aspect };
  if (init.state !== undefined) {
    const state: EventState = init.severity === undefined ? { value: init.state } : { value: init.state, severity: init.severity };
    event.state = state;
  }
  if (init.value !== undefined || init.values !== undefined) {
    const vset: Record<string, MetricValue> = {};
    if (init.value !== undefined) vset.value = metric(init.value);
    // Defined, not assigned: a name `__proto__` (an own key of parsed JSON) stays a key, which
    // the validator then rejects, instead of silently replacing the prototype of `vset`.
    for (const [name, value] of Object.entries(init.values ?? {})) {
      Object.defineProperty(vset, name, { value: metric(value), enumerable: true, writable: true, configurable: true });
    }
    event.vset = vset;
  }
  if (init.comment !== undefined) event.comment = init.comment;
  if (init.intervalMs !== undefined) event.interval = init.intervalMs / 1000;
  return assertMessage(new BuiltMessage(Number.isFinite(time) ? Math.trunc(time) : time, { ...init.location }, event));
}
