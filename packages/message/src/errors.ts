import { XError } from "@x/core";

/**
 * The shared error vocabulary of every queue. Adapters map their native failures onto these
 * classes, so callers (the worker, the CLI, users) branch on `instanceof` or `code`, never on
 * message text.
 */

/** Stable, machine-readable error codes. */
export type QueueErrorCode =
  | "ERR_X_QUEUE_INVALID_MESSAGE"
  | "ERR_X_QUEUE_INVALID_ARGUMENT"
  | "ERR_X_QUEUE_CLOSED"
  | "ERR_X_QUEUE_CONNECTION"
  | "ERR_X_QUEUE_JOB_NOT_FOUND"
  | "ERR_X_QUEUE_LEASE_LOST"
  | "ERR_X_QUEUE_TIMEOUT"
  | "ERR_X_QUEUE_JOB_TOO_BIG"
  | "ERR_X_QUEUE_ADAPTER"
  | "ERR_X_QUEUE_UNSUPPORTED"
  | AdapterErrorCode;

/**
 * The code of an adapter's own subclass of {@link AdapterError}, named after its package
 * (`ERR_X_BEANSTALK_COMMAND`, `ERR_X_FILE_QUEUE_CORRUPT_JOB`), unique across the toolkit.
 */
export type AdapterErrorCode = `ERR_X_${string}`;

/** Base class of every error thrown by `@x/message` and by queue adapters. */
export class QueueError extends XError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: QueueErrorCode;

  // Not useless: it narrows `code` to this package's codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: QueueErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * Bytes or an object that are not a valid message. `field` is the dotted path of the offending
 * field (`header.priority`), or `undefined` when the input as a whole is wrong.
 */
export class InvalidMessageError extends QueueError {
  readonly field: string | undefined;

  constructor(field: string | undefined, problem: string, options?: ErrorOptions) {
    super(
      "ERR_X_QUEUE_INVALID_MESSAGE",
      field === undefined ? `invalid message: ${problem}` : `invalid message: ${field}: ${problem}`,
      options,
    );
    this.field = field;
  }
}

/** An argument of a call with a bad value. `argument` names it (`priority`, `id`, `max`). Bad options of a factory are `InvalidOptionError` from `@x/core`. */
export class InvalidArgumentError extends QueueError {
  readonly argument: string;

  constructor(argument: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_INVALID_ARGUMENT", `\`${argument}\` ${problem}`, options);
    this.argument = argument;
  }
}

/** The queue was closed; the call cannot run. */
export class QueueClosedError extends QueueError {
  constructor(queue: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_CLOSED", `queue "${queue}" is closed`, options);
  }
}

/** The connection to the queue's server failed or was lost. */
export class ConnectionError extends QueueError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_CONNECTION", message, options);
  }
}

/** No job with this id exists (in a state where the operation applies). */
export class JobNotFoundError extends QueueError {
  readonly jobId: string;

  constructor(jobId: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_JOB_NOT_FOUND", `job ${jobId} not found`, options);
    this.jobId = jobId;
  }
}

/**
 * The reservation is no longer held: it was already settled (ack/release/bury), or its lease ran
 * out and the job was handed to another reserver or deleted.
 */
export class LeaseLostError extends QueueError {
  readonly jobId: string;

  constructor(jobId: string, reason: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_LEASE_LOST", `reservation of job ${jobId} is no longer held: ${reason}`, options);
    this.jobId = jobId;
  }
}

/** An operation did not finish in time. */
export class TimeoutError extends QueueError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_TIMEOUT", message, options);
  }
}

/** The encoded job is larger than the queue accepts. `limit` is that limit in bytes. */
export class JobTooBigError extends QueueError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number, options?: ErrorOptions) {
    super("ERR_X_QUEUE_JOB_TOO_BIG", `job is ${size} bytes; the limit is ${limit} bytes`, options);
    this.size = size;
    this.limit = limit;
  }
}

/** Any other failure of the queue's backend. */
export class AdapterError extends QueueError {
  /**
   * An adapter's subclass passes its own `code`; plain backend failures keep
   * `ERR_X_QUEUE_ADAPTER`. Either way `instanceof AdapterError` catches them.
   */
  constructor(message: string, options?: ErrorOptions, code: AdapterErrorCode = "ERR_X_QUEUE_ADAPTER") {
    super(code, message, options);
  }
}

/** The adapter does not have an optional capability (`list`, `bulk`, `pause`); `capabilities` tells beforehand. */
export class UnsupportedOperationError extends QueueError {
  readonly operation: string;

  constructor(queue: string, operation: string, options?: ErrorOptions) {
    super("ERR_X_QUEUE_UNSUPPORTED", `queue adapter "${queue}" cannot ${operation}`, options);
    this.operation = operation;
  }
}

/** Every error class, for `instanceof` checks without named imports. */
export const errors = {
  QueueError,
  InvalidMessageError,
  InvalidArgumentError,
  QueueClosedError,
  ConnectionError,
  JobNotFoundError,
  LeaseLostError,
  TimeoutError,
  JobTooBigError,
  AdapterError,
  UnsupportedOperationError,
} as const;
