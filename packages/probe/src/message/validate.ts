import { InvalidProbeMessageError } from "../errors.js";
import type { ProbeMessage } from "./types.js";

/** Outcome of {@link validateMessage}. */
export type ValidationResult =
  | { readonly valid: true; readonly message: ProbeMessage }
  | { readonly valid: false; readonly reason: string };

const SEVERITIES = new Set(["expected", "warning", "error"]);
const THRESHOLD_SEVERITIES = new Set(["warning", "error"]);
const VALUE_TYPES = new Set(["direct", "accumulative", "differential"]);
/** Keys that would reach an object's prototype when copied with `Object.assign` or `{...}`. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

function checkKeys(record: Fields, path: string): string | undefined {
  for (const key of Object.keys(record)) {
    if (key === "") return `${path} has an empty key`;
    if (FORBIDDEN_KEYS.has(key)) return `${path} has the forbidden key "${key}"`;
  }
  return undefined;
}

function checkThresholds(list: unknown, path: string): string | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) return `${path} must be a list`;
  for (const [i, item] of (list as unknown[]).entries()) {
    if (!isRecord(item)) return `${path}[${i}] must be an object`;
    if (typeof item.name !== "string") return `${path}[${i}].name must be a string`;
    if (!isFiniteNumber(item.value)) return `${path}[${i}].value must be a finite number`;
    if (typeof item.severity !== "string" || !THRESHOLD_SEVERITIES.has(item.severity)) {
      return `${path}[${i}].severity must be "warning" or "error"`;
    }
  }
  return undefined;
}

function checkValue(entry: unknown, path: string): string | undefined {
  if (!isRecord(entry)) return `${path} must be an object`;
  if (entry.value !== null && !isFiniteNumber(entry.value)) return `${path}.value must be a finite number or null`;
  if (entry.unit !== undefined && typeof entry.unit !== "string") return `${path}.unit must be a string`;
  if (entry.type !== undefined && (typeof entry.type !== "string" || !VALUE_TYPES.has(entry.type))) {
    return `${path}.type must be "direct", "accumulative" or "differential"`;
  }
  if (entry.min !== undefined && !isFiniteNumber(entry.min)) return `${path}.min must be a finite number`;
  if (entry.max !== undefined && !isFiniteNumber(entry.max)) return `${path}.max must be a finite number`;
  return checkThresholds(entry.threshold_high, `${path}.threshold_high`) ?? checkThresholds(entry.threshold_low, `${path}.threshold_low`);
}

function checkEvent(event: unknown): string | undefined {
  if (!isRecord(event)) return "event must be an object";
  if (typeof event.name !== "string" || event.name === "") return "event.name must be a non-empty string";
  if (event.state !== undefined) {
    const state = event.state;
    if (!isRecord(state)) return "event.state must be an object";
    if (typeof state.value !== "string") return "event.state.value must be a string";
    if (state.severity !== undefined && (typeof state.severity !== "string" || !SEVERITIES.has(state.severity))) {
      return 'event.state.severity must be "expected", "warning" or "error"';
    }
  }
  if (event.vset !== undefined) {
    const vset = event.vset;
    if (!isRecord(vset)) return "event.vset must be an object";
    const bad = checkKeys(vset, "event.vset");
    if (bad !== undefined) return bad;
    for (const [name, entry] of Object.entries(vset)) {
      const problem = checkValue(entry, `event.vset["${name}"]`);
      if (problem !== undefined) return problem;
    }
  }
  if (event.comment !== undefined && typeof event.comment !== "string") return "event.comment must be a string";
  if (event.interval !== undefined && (!isFiniteNumber(event.interval) || event.interval < 0)) {
    return "event.interval must be a non-negative number";
  }
  if (event.threshold_kept !== undefined && typeof event.threshold_kept !== "string") return "event.threshold_kept must be a string";
  return undefined;
}

/**
 * Why `name` and `entry` cannot be one entry of `event.vset`, or `undefined` when they can: the
 * check {@link messageProblem} applies to each entry, so a producer can drop one bad entry
 * instead of losing the whole message.
 */
export function vsetEntryProblem(name: string, entry: unknown): string | undefined {
  if (name === "") return "event.vset has an empty key";
  if (FORBIDDEN_KEYS.has(name)) return `event.vset has the forbidden key "${name}"`;
  return checkValue(entry, `event.vset["${name}"]`);
}

/** One object met by {@link protoKeyProblem}, with how it was reached (for the path in the reason). */
interface Visit {
  readonly object: object;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

/** The path of a visited object as the other reasons write it: `event.vset["a"].threshold_high[0]`. */
function pathOf(visit: Visit): string {
  const { parent, key } = visit;
  if (parent === undefined) return "message";
  if (typeof key === "number") return `${pathOf(parent)}[${key}]`;
  if (parent.parent === undefined) return key;
  const parentPath = pathOf(parent);
  return parentPath === "event.vset" ? `${parentPath}["${key}"]` : `${parentPath}.${key}`;
}

/**
 * Where the message holds an own `__proto__` key, at any depth (extra keys included), as a
 * reason; `undefined` when it holds none. `JSON.parse` makes such keys; a consumer that copies the
 * message with `Object.assign` or a merge would set a prototype from it. Iterative, and every
 * object is visited once, so deep nesting and cycles cannot overflow the stack or loop.
 */
function protoKeyProblem(root: object): string | undefined {
  const seen = new Set<object>();
  const stack: Visit[] = [{ object: root, parent: undefined, key: "" }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const object = visit.object;
    if (seen.has(object)) continue;
    seen.add(object);
    if (Object.hasOwn(object, "__proto__")) return `${pathOf(visit)} has the forbidden key "__proto__"`;
    if (Array.isArray(object)) {
      const items = object as unknown[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item === "object" && item !== null) stack.push({ object: item, parent: visit, key: i });
      }
    } else {
      for (const [key, item] of Object.entries(object)) {
        if (typeof item === "object" && item !== null) stack.push({ object: item as object, parent: visit, key });
      }
    }
  }
  return undefined;
}

/** The reason `value` is not a valid v3 message, or `undefined` when it is one. */
export function messageProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `expected an object, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`;
  if (value.v !== 3) return `v must be 3, got ${value.v === undefined ? "nothing" : JSON.stringify(value.v)}`;
  if (!isFiniteNumber(value.time)) return "time must be a finite number (Unix seconds)";
  const location = value.location;
  if (!isRecord(location)) return "location must be an object";
  const bad = checkKeys(location, "location");
  if (bad !== undefined) return bad;
  for (const [key, item] of Object.entries(location)) {
    if (typeof item !== "string") return `location.${key} must be a string`;
  }
  return checkEvent(value.event) ?? protoKeyProblem(value);
}

/**
 * Checks that `value` is a seismometer v3 message (`v`, `time`, `location`, `event` with `name`,
 * optional `state`, `vset`, `comment`, `interval`). Unknown extra keys are allowed. An own
 * `__proto__` key anywhere (as `JSON.parse` makes them) is rejected, and so are `constructor`
 * and `prototype` as keys of `location` and `event.vset`.
 *
 * @example
 * ```ts
 * const result = validateMessage(JSON.parse(line));
 * if (!result.valid) console.error(result.reason);
 * ```
 */
export function validateMessage(value: unknown): ValidationResult {
  const reason = messageProblem(value);
  return reason === undefined ? { valid: true, message: value as ProbeMessage } : { valid: false, reason };
}

/** Returns `value` typed as a message, or throws {@link InvalidProbeMessageError} with the reason. */
export function assertMessage(value: unknown): ProbeMessage {
  const reason = messageProblem(value);
  if (reason !== undefined) throw new InvalidProbeMessageError(reason);
  return value as ProbeMessage;
}

/** Whether a valid message carries values (`event.vset`). */
export function isMetric(message: ProbeMessage): boolean {
  return message.event.vset !== undefined;
}

/** Whether a valid message carries a state (`event.state`). */
export function isState(message: ProbeMessage): boolean {
  return message.event.state !== undefined;
}
