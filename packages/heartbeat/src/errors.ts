/**
 * The error vocabulary of `@x/heartbeat`. Callers branch on `instanceof` or `code`, never on
 * message text.
 */

/** Stable, machine-readable error codes. */
export type HeartbeatErrorCode =
  | "ERR_INVALID_ARGUMENT"
  | "ERR_INVALID_HEARTBEAT"
  | "ERR_GATEWAY"
  | "ERR_GATEWAY_TIMEOUT"
  | "ERR_ALREADY_RUNNING"
  | "ERR_ITERATOR_OVERFLOW";

/** Base class of every error thrown by `@x/heartbeat`. */
export class HeartbeatError extends Error {
  /** Stable code; safe to branch on. */
  readonly code: HeartbeatErrorCode;

  constructor(code: HeartbeatErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An option or argument with a bad value. `argument` names it (`process`, `period`,
 * `minIntervalMs`) and `value` is what was passed.
 */
export class InvalidArgumentError extends HeartbeatError {
  /** The option or argument, as the caller spells it (`process`, `period`, `minIntervalMs`). */
  readonly argument: string;
  /** The value that was rejected. */
  readonly value: unknown;

  constructor(argument: string, value: unknown, problem: string, options?: ErrorOptions) {
    super("ERR_INVALID_ARGUMENT", `\`${argument}\` ${problem} (got ${describe(value)})`, options);
    this.argument = argument;
    this.value = value;
  }
}

/**
 * A subject or payload that is not a heartbeat. The monitor never throws it from `receive()`;
 * it is what `parseHeartbeat()` throws and what the monitor's `invalid` event carries as `reason`.
 */
export class InvalidHeartbeatError extends HeartbeatError {
  constructor(reason: string, options?: ErrorOptions) {
    super("ERR_INVALID_HEARTBEAT", `invalid heartbeat: ${reason}`, options);
  }
}

/** The gateway of a `HeartbeatService` failed; `cause` is what it threw. */
export class GatewayError extends HeartbeatError {
  constructor(message: string, options?: ErrorOptions, code: HeartbeatErrorCode = "ERR_GATEWAY") {
    super(code, message, options);
  }
}

/** The gateway did not answer within `requestTimeoutMs`. */
export class GatewayTimeoutError extends GatewayError {
  /** The `requestTimeoutMs` that ran out. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`heartbeat request timed out after ${timeoutMs} ms`, options, "ERR_GATEWAY_TIMEOUT");
    this.timeoutMs = timeoutMs;
  }
}

/** `HeartbeatService.run()` was called while it is already running. */
export class AlreadyRunningError extends HeartbeatError {
  constructor(options?: ErrorOptions) {
    super("ERR_ALREADY_RUNNING", "run() is already running", options);
  }
}

/** A transition iterator fell more than `maxBuffered` transitions behind and was ended. */
export class IteratorOverflowError extends HeartbeatError {
  /** The monitor's `maxBufferedTransitions`. */
  readonly maxBuffered: number;

  constructor(maxBuffered: number, options?: ErrorOptions) {
    super("ERR_ITERATOR_OVERFLOW", `transition iterator fell ${maxBuffered} transitions behind`, options);
    this.maxBuffered = maxBuffered;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
