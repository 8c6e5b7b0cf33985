/**
 * The error vocabulary of `@x/heartbeat`. Every error extends {@link HeartbeatError}, itself an
 * `XError` of `@x/core`, with a stable `code` unique across the toolkit, so callers branch on
 * `instanceof` or `code`, never on message text. A bad option is `@x/core`'s
 * `InvalidOptionError`, shared by every package.
 */
import { XError } from "@x/core";

/** Stable, machine-readable error codes of `@x/heartbeat`. */
export type HeartbeatErrorCode =
  | "ERR_X_HEARTBEAT_INVALID_PROCESS_NAME"
  | "ERR_X_HEARTBEAT_INVALID_HEARTBEAT"
  | "ERR_X_HEARTBEAT_GATEWAY"
  | "ERR_X_HEARTBEAT_GATEWAY_TIMEOUT"
  | "ERR_X_HEARTBEAT_GATEWAY_HTTP"
  | "ERR_X_HEARTBEAT_GATEWAY_RESPONSE"
  | "ERR_X_HEARTBEAT_FAILED"
  | "ERR_X_HEARTBEAT_ALREADY_RUNNING"
  | "ERR_X_HEARTBEAT_ITERATOR_OVERFLOW";

/** Base class of every error thrown by `@x/heartbeat` (bad options aside: `InvalidOptionError`). */
export class HeartbeatError extends XError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: HeartbeatErrorCode;

  // Not useless: it narrows `code` to the codes of this package.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: HeartbeatErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * `createHeart()` was given a process name that breaks the name rules (see
 * `processNameProblem`): a monitor would refuse every heartbeat it sends.
 */
export class InvalidProcessNameError extends HeartbeatError {
  /** The name that was refused. */
  readonly processName: string;
  /** What is wrong with it, e.g. "must not contain control characters (U+0085)". */
  readonly problem: string;

  constructor(processName: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_HEARTBEAT_INVALID_PROCESS_NAME", `process name ${JSON.stringify(processName)} ${problem}`, options);
    this.processName = processName;
    this.problem = problem;
  }
}

/**
 * A subject or payload that is not a heartbeat. The monitor never throws it from `receive()`;
 * it is what `parseHeartbeat()` throws and what the monitor's `invalid` event carries as `reason`.
 */
export class InvalidHeartbeatError extends HeartbeatError {
  constructor(reason: string, options?: ErrorOptions) {
    super("ERR_X_HEARTBEAT_INVALID_HEARTBEAT", `invalid heartbeat: ${reason}`, options);
  }
}

/** The gateway of a heartbeat service failed; `cause` is what it threw. */
export class GatewayError extends HeartbeatError {
  constructor(message: string, options?: ErrorOptions, code: HeartbeatErrorCode = "ERR_X_HEARTBEAT_GATEWAY") {
    super(code, message, options);
  }
}

/** The gateway did not answer within `requestTimeoutMs`. */
export class GatewayTimeoutError extends GatewayError {
  /** The `requestTimeoutMs` that ran out. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`heartbeat request timed out after ${timeoutMs} ms`, options, "ERR_X_HEARTBEAT_GATEWAY_TIMEOUT");
    this.timeoutMs = timeoutMs;
  }
}

/** The server answered a heartbeat with an HTTP status outside 2xx. */
export class GatewayHttpError extends GatewayError {
  /** The HTTP status code of the answer, e.g. 503. */
  readonly statusCode: number;
  /** The start of the answer's body (at most 200 characters), for the log. */
  readonly body: string;

  constructor(url: string, statusCode: number, body: string, options?: ErrorOptions) {
    super(`heartbeat POST ${url} answered HTTP ${statusCode}`, options, "ERR_X_HEARTBEAT_GATEWAY_HTTP");
    this.statusCode = statusCode;
    this.body = body;
  }
}

/** The server answered 2xx with a body that is not JSON, or JSON without a string `status`. */
export class GatewayResponseError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options, "ERR_X_HEARTBEAT_GATEWAY_RESPONSE");
  }
}

/**
 * `run()` gave up after `maxConsecutiveFailures` failed heartbeats in a row (jobmon's
 * `FatalOrchestratorError`); `cause` is the last failure.
 */
export class HeartbeatFailedError extends HeartbeatError {
  /** How many heartbeats failed in a row. */
  readonly failures: number;

  constructor(failures: number, options?: ErrorOptions) {
    super("ERR_X_HEARTBEAT_FAILED", `${failures} heartbeats failed in a row; giving up`, options);
    this.failures = failures;
  }
}

/** A heartbeat service's `run()` was called while it is already running. */
export class AlreadyRunningError extends HeartbeatError {
  constructor(options?: ErrorOptions) {
    super("ERR_X_HEARTBEAT_ALREADY_RUNNING", "run() is already running", options);
  }
}

/** A transition iterator fell more than `maxBuffered` transitions behind and was ended. */
export class IteratorOverflowError extends HeartbeatError {
  /** The monitor's `maxBufferedTransitions`. */
  readonly maxBuffered: number;

  constructor(maxBuffered: number, options?: ErrorOptions) {
    super("ERR_X_HEARTBEAT_ITERATOR_OVERFLOW", `transition iterator fell ${maxBuffered} transitions behind`, options);
    this.maxBuffered = maxBuffered;
  }
}
