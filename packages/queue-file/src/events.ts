/**
 * What a file queue reports, and how: `queue.on(event, listener)` (an `Emitter` of `@x/core`)
 * and the `logger`, both fed by one {@link Report} function.
 */
import type { Emitter, Logger } from "@x/core";
import type { CorruptJobError } from "./errors.js";

/** A file was moved aside to `corrupt/` because it is not a job this queue can serve. */
export interface CorruptEvent {
  /** Where it was, relative to the queue directory (`ready/…`). */
  readonly file: string;
  /** Where it is now, relative to the queue directory (`corrupt/…`), next to a `.reason.json`. */
  readonly movedTo: string;
  readonly reason: string;
  readonly error: CorruptJobError;
}

/** A lease ran out and this process made the job ready again, counting the attempt. */
export interface RequeuedEvent {
  readonly id: string;
  /** Hand-outs so far: the next delivery's `header.attempts`. */
  readonly deliveries: number;
  /** When the lease had ended (epoch ms, as written in the file name). */
  readonly leaseEndedAt: number;
}

/** `close()` gave a job this process still held back to the queue. */
export interface ReturnedEvent {
  readonly id: string;
}

/** The journal (the index of `ready/`) was rewritten from a listing of `ready/`. */
export interface CompactedEvent {
  readonly bytesBefore: number;
  readonly entries: number;
}

/** A full listing of `ready/` found jobs this process did not know about (their journal line was lost). */
export interface RescannedEvent {
  readonly listed: number;
  readonly added: number;
}

/** Left-overs of a dead process were removed: a temp file, a stale lock, an orphan bury reason. */
export interface CleanedEvent {
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
  readonly during: "rescan" | "journal" | "compact" | "close" | "recover";
  readonly error: unknown;
}

/** Everything a file queue reports, by event name: `queue.on("corrupt", (event) => ...)`. */
export interface FileQueueEvents {
  corrupt: CorruptEvent;
  requeued: RequeuedEvent;
  returned: ReturnedEvent;
  compacted: CompactedEvent;
  rescanned: RescannedEvent;
  cleaned: CleanedEvent;
  error: BackgroundErrorEvent;
}

/** Sends an event to the listeners and the logger; neither can break the queue by throwing. */
export type Report = <E extends keyof FileQueueEvents>(event: E, payload: FileQueueEvents[E]) => void;

/** The log line of each event: its level and a constant message; the payload is the fields. */
const LOG_LINES: { readonly [E in keyof FileQueueEvents]: readonly [keyof Logger, string] } = {
  corrupt: ["warn", "file moved aside: not a job"],
  requeued: ["info", "lease ran out: job ready again"],
  error: ["error", "background task failed"],
  returned: ["debug", "held job given back on close"],
  compacted: ["debug", "journal compacted"],
  rescanned: ["debug", "rescan found jobs the journal missed"],
  cleaned: ["debug", "left-over removed"],
};

export function createReport(emitter: Emitter<FileQueueEvents>, logger: Logger): Report {
  return (event, payload) => {
    // The emitter reports a throwing listener to the logger itself.
    emitter.emit(event, payload);
    const [level, message] = LOG_LINES[event];
    try {
      logger[level]({ event, ...payload }, message);
    } catch {
      // A logger's bug must not turn into a lost job.
    }
  };
}
