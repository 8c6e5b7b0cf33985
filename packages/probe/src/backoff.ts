import { InvalidOptionError } from "./errors.js";
import { numberOption } from "./internal/options.js";

/** Exponential backoff with jitter, used to reopen handles and to reconnect outputs. */
export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  readonly initialMs?: number;
  /** Upper bound of the delay (ms). */
  readonly maxMs?: number;
  /** Each consecutive failure multiplies the delay by this. */
  readonly factor?: number;
  /** Random spread as a fraction of the delay: 0.1 means ±10 %. */
  readonly jitter?: number;
}

/** A fully specified {@link BackoffOptions}. */
export type Backoff = Required<BackoffOptions>;

/** Validates backoff options against their defaults; `option` names the field in errors. */
export function resolveBackoff(option: string, value: BackoffOptions | undefined, defaults: Backoff): Backoff {
  if (value !== undefined && (typeof value !== "object" || (value as unknown) === null)) {
    throw new InvalidOptionError(option, value, "must be an object { initialMs, maxMs, factor, jitter }");
  }
  const initialMs = numberOption(`${option}.initialMs`, value?.initialMs, defaults.initialMs);
  const maxMs = numberOption(`${option}.maxMs`, value?.maxMs, Math.max(defaults.maxMs, initialMs));
  if (maxMs < initialMs) throw new InvalidOptionError(`${option}.maxMs`, maxMs, `must be >= initialMs (${initialMs})`);
  const factor = numberOption(`${option}.factor`, value?.factor, defaults.factor, 1);
  const jitter = numberOption(`${option}.jitter`, value?.jitter, defaults.jitter);
  if (jitter > 1) throw new InvalidOptionError(`${option}.jitter`, jitter, "must be between 0 and 1");
  return { initialMs, maxMs, factor, jitter };
}

/** Delay before retry number `failures` (1 = first retry), jittered by `random()` in [0, 1). */
export function backoffDelay(backoff: Backoff, failures: number, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, failures - 1));
  const spread = base * backoff.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
