import type { Logger } from "@x/core";
import type { ProbeMessage } from "./message/types.js";

/**
 * What a check or handle hands back: one message, a list of them, or an empty list for
 * "nothing this time". Plain objects are validated before they are sent; invalid ones are
 * rejected with the reason.
 */
export type CheckOutput = ProbeMessage | readonly ProbeMessage[];

/** What to do when a check throws, times out or returns nothing. */
export type OnError = "state" | "drop";

/** Handed to every `run()`: which run this is and how to stop early. */
export interface CheckContext {
  /** Position of the check in the checks list. */
  readonly id: number;
  /** The check's name in logs (`checkName()` or a generated one). */
  readonly name: string;
  /** When the run was due, on the scheduler's clock (ms). */
  readonly scheduledAt: number;
  /**
   * When the run started, on the scheduler's clock (ms); at or after `scheduledAt`. In a burst
   * of due checks the clock is not read for every run (reading it costs as much as a small
   * check), so this can be a few microseconds early.
   */
  readonly startedAt: number;
  /** The timeout of this run (ms). */
  readonly timeoutMs: number;
  /** Aborted when the run times out or the scheduler closes; subprocesses are killed on it. */
  readonly signal: AbortSignal;
  /** The scheduler's logger; every line gets the fields `check` (the name) and `id`. */
  readonly logger: Logger;
}

/** Why a run produced no result, as reported by the `checkFailed` event and `failureMessages()`. */
export interface CheckFailure {
  /** `exception`: `run()` threw or rejected; `timeout`: it did not finish in time; `no-result`: it returned `undefined`. */
  readonly kind: "exception" | "timeout" | "no-result";
  /** What went wrong: the thrown error, a `CheckTimeoutError` or a `CheckNoResultError`. */
  readonly error: Error;
  /** Position of the check in the checks list. */
  readonly id: number;
  /** The check's name in logs. */
  readonly name: string;
}

/**
 * A scheduled check (DumbProbe's check protocol). The scheduler calls `run()` once `nextRun()`
 * is due, then asks `nextRun()` again.
 */
export interface Check {
  /** When the next run is due, in milliseconds on the scheduler's clock (epoch-anchored by default). */
  nextRun(): number;
  /** Runs the check now. Returning `undefined` is an error (a forgotten `return`); return `[]` for no messages. */
  run(context: CheckContext): CheckOutput | Promise<CheckOutput>;
  /** Name used in logs. @default `C-<id>/<class name>` */
  checkName?(): string;
  /** Timeout of each run in ms, overriding the scheduler's. @default the scheduler's `timeoutMs` */
  readonly timeoutMs?: number | undefined;
  /** Overrides the scheduler's `onError` for this check. @default the scheduler's `onError` */
  readonly onError?: OnError | undefined;
  /** Aspect of the default failure message. @default the check's name */
  readonly aspect?: string | undefined;
  /** Location of the default failure message. @default {} */
  readonly location?: Readonly<Record<string, string>> | undefined;
  /** Builds the messages sent when a run fails, replacing the default `unknown`/`error` state. */
  failureMessages?(failure: CheckFailure): CheckOutput;
}

/** Handed to a handle's `open()`: how it tells the scheduler that data is waiting. */
export interface HandleContext {
  /** Aborted when the scheduler closes; an `open()` still in progress should give up (`close()` waits for it). */
  readonly signal: AbortSignal;
  /** Call when `readMessages()` has something to return; the scheduler reads soon after. */
  readable(): void;
  /** Reports a problem that does not close the handle (a bad line, say); it is logged. */
  reportError(error: unknown): void;
}

/**
 * A source of messages that arrive on their own (DumbProbe's handle protocol), e.g. a child
 * process printing JSON lines. It starts closed. `readMessages()` must not block; it throws
 * {@link HandleEofError} at end of file, after which the scheduler closes the handle and reopens
 * it later with backoff. Any other exception is logged and the handle stays open.
 */
export interface Handle {
  /** Opens the source (spawns the command, connects); a throw or rejection is retried with backoff. */
  open(context: HandleContext): void | Promise<void>;
  /** Returns what is ready now, never blocking; throws {@link HandleEofError} at end of file. */
  readMessages(): CheckOutput;
  /** Releases the source; called after EOF and when the scheduler closes. */
  close(): void | Promise<void>;
  /** Name used in logs. @default `H-<id>/<class name>` */
  checkName?(): string;
}

/**
 * A `CHECKS` object that schedules itself (DumbProbe's "any object with `run_next()`"). Each
 * call waits until something is ready and returns the messages to send.
 */
export interface ChecksRunner {
  /** Waits until messages are ready and returns them; honour `signal` to stop promptly. */
  runNext(options?: { readonly signal?: AbortSignal }): Iterable<unknown> | Promise<Iterable<unknown>>;
}

/** Whether a value implements the {@link Handle} protocol. */
export function isHandle(value: unknown): value is Handle {
  if (typeof value !== "object" || value === null) return false;
  const h = value as Partial<Record<keyof Handle, unknown>>;
  return typeof h.open === "function" && typeof h.readMessages === "function" && typeof h.close === "function";
}

/** Whether a value implements the {@link Check} protocol. */
export function isCheck(value: unknown): value is Check {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Partial<Record<keyof Check, unknown>>;
  return typeof c.nextRun === "function" && typeof c.run === "function";
}

/** Whether a value is a self-scheduling `CHECKS` object. */
export function isChecksRunner(value: unknown): value is ChecksRunner {
  return typeof value === "object" && value !== null && typeof (value as { runNext?: unknown }).runNext === "function";
}
