import type { CorruptJobError } from "./errors.js";

/** A logger with the four usual levels (console, pino and winston all fit). */
export interface FileQueueLogger {
  debug(message: string, details?: Readonly<Record<string, unknown>>): void;
  info(message: string, details?: Readonly<Record<string, unknown>>): void;
  warn(message: string, details?: Readonly<Record<string, unknown>>): void;
  error(message: string, details?: Readonly<Record<string, unknown>>): void;
}

/** A file was moved aside to `corrupt/` because it is not a job this queue can serve. */
export interface CorruptEvent {
  readonly type: "corrupt";
  /** Where it was, relative to the queue directory (`ready/…`). */
  readonly file: string;
  /** Where it is now, relative to the queue directory (`corrupt/…`), next to a `.reason.json`. */
  readonly movedTo: string;
  readonly reason: string;
  readonly error: CorruptJobError;
}

/** A lease ran out and this process made the job ready again, counting the attempt. */
export interface RequeuedEvent {
  readonly type: "requeued";
  readonly id: string;
  /** Hand-outs so far: the next delivery's `header.attempts`. */
  readonly deliveries: number;
  /** When the lease had ended (epoch ms). */
  readonly leaseEndedAt: number;
}

/** `close()` gave a job this process still held back to the queue. */
export interface ReturnedEvent {
  readonly type: "returned";
  readonly id: string;
}

/** The journal (the index of `ready/`) was rewritten from a listing of `ready/`. */
export interface CompactedEvent {
  readonly type: "compacted";
  readonly bytesBefore: number;
  readonly entries: number;
}

/** A full listing of `ready/` found jobs this process did not know about (their journal line was lost). */
export interface RescannedEvent {
  readonly type: "rescanned";
  readonly listed: number;
  readonly added: number;
}

/** Left-overs of a dead process were removed: a temp file, a stale lock, an orphan bury reason. */
export interface CleanedEvent {
  readonly type: "cleaned";
  readonly file: string;
  readonly reason: string;
}

/**
 * A background task (rescan, journal append or compaction, returning jobs on close) failed; the
 * queue keeps serving. `recover`: the queue directory or one of its state directories vanished
 * under a running queue (`error` is the failure that showed it); the queue forgot what it held
 * open, prepared the directory again as on first use, and retried the call once.
 */
export interface BackgroundErrorEvent {
  readonly type: "error";
  readonly during: "rescan" | "journal" | "compact" | "close" | "recover";
  readonly error: unknown;
}

/** Everything a file queue reports through `onEvent` and the logger. */
export type FileQueueEvent =
  | CorruptEvent
  | RequeuedEvent
  | ReturnedEvent
  | CompactedEvent
  | RescannedEvent
  | CleanedEvent
  | BackgroundErrorEvent;

/** Sends an event to the listener and the logger; neither can break the queue by throwing. */
export type Emit = (event: FileQueueEvent) => void;

export function createEmitter(onEvent: ((event: FileQueueEvent) => void) | undefined, logger: FileQueueLogger | undefined): Emit {
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // A listener's bug must not turn into a lost job.
    }
    if (!logger) return;
    try {
      log(logger, event);
    } catch {
      // Same for the logger.
    }
  };
}

function log(logger: FileQueueLogger, event: FileQueueEvent): void {
  switch (event.type) {
    case "corrupt":
      logger.warn(`file queue: moved ${event.file} aside to ${event.movedTo}: ${event.reason}`, { ...event });
      return;
    case "requeued":
      logger.info(`file queue: lease of job ${event.id} ran out; ready again`, { ...event });
      return;
    case "error":
      logger.error(`file queue: ${event.during} failed`, { ...event });
      return;
    default:
      logger.debug(`file queue: ${event.type}`, { ...event });
  }
}
