import type { CheckFailure } from "../contract.js";
import type { HandleReadError } from "../errors.js";

/** A message that was not sent because it is not a valid v3 message. */
export interface MessageRejection {
  /** Which check or handle produced it, e.g. `check #2 load`. */
  readonly source: string;
  /** What is wrong with it, e.g. `location.host must be a string`. */
  readonly reason: string;
  /** What was produced, as it was. */
  readonly value: unknown;
}

/** Identifies a handle in events. */
export interface HandleInfo {
  /** Position of the handle in the checks list. */
  readonly id: number;
  /** The handle's name in logs (`checkName()` or a generated one). */
  readonly name: string;
}

/** A handle that failed to open or hit EOF, and when it is tried again. */
export interface HandleClosed extends HandleInfo {
  /** Why: the open's error or the EOF's text. */
  readonly reason: string;
  /** Delay before the next open (ms). */
  readonly reopenInMs: number;
}

/** A problem of an open handle; it stays open. */
export interface HandleProblem extends HandleInfo {
  /** What went wrong; the original error is its `cause`. */
  readonly error: HandleReadError;
}

/** Messages dropped to stay within `maxBuffered`. */
export interface MessagesDropped {
  /** How many, the oldest first. */
  readonly count: number;
}

/** Events of a `Checks` scheduler, observed with `checks.on(event, listener)`. */
export interface ChecksEvents {
  /** A run threw, timed out or returned nothing. */
  checkFailed: CheckFailure;
  /** A check or handle produced something that is not a valid message. */
  messageRejected: MessageRejection;
  /** A handle was opened (first time or after a reopen). */
  handleOpened: HandleInfo;
  /** A handle failed to open or hit EOF; it is reopened after `reopenInMs`. */
  handleClosed: HandleClosed;
  /** `readMessages()` threw something other than EOF, or the handle reported an error; it stays open. */
  handleError: HandleProblem;
  /** Messages nobody collected with `runNext()` were dropped to stay within `maxBuffered` (the oldest first). */
  messagesDropped: MessagesDropped;
}
