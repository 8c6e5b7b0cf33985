import { DEFAULT_MAX_MESSAGE_BYTES, InvalidArgumentError } from "@x/message";
import type { FileQueueEvent, FileQueueLogger } from "./events.js";

/** Lease of a reserved job when the options do not say: 60 s, beanstalkd's and pulpo's TTR. */
export const DEFAULT_TTR_MS = 60_000;
/** Longest wait between two looks at the directory while a blocking `reserve` finds nothing. */
export const DEFAULT_POLL_INTERVAL_MS = 100;
/** First wait of a blocking `reserve`; each empty look doubles it, up to the poll interval. */
export const INITIAL_POLL_DELAY_MS = 5;
/** How often a process lists `reserved/` to requeue leases that ran out (its own are tracked exactly). */
export const DEFAULT_REAP_INTERVAL_MS = 1_000;
/** How often the whole `ready/` directory is listed, to catch jobs the journal missed. */
export const DEFAULT_RESCAN_INTERVAL_MS = 30_000;
/** The journal is compacted once it is this big and four times its size after the last compaction. */
export const DEFAULT_JOURNAL_COMPACT_BYTES = 8 * 1024 * 1024;
/** Largest encoded job `enqueue` accepts and a reader loads: `@x/message`'s 1 MiB. */
export const DEFAULT_MAX_JOB_BYTES = DEFAULT_MAX_MESSAGE_BYTES;
/** Longest lease a job can have: setTimeout's limit, about 24.8 days. */
export const MAX_TTR_MS = 2 ** 31 - 1;

/**
 * Where the queue reads time. Two clocks, because they answer different questions: the wall clock
 * says what time it is (written into file names, so a due time or a lease end survives a restart
 * and means the same to every process), the monotonic clock measures how long something took
 * (leases and delays inside a running process), and never jumps when the wall clock is stepped.
 */
export interface FileQueueClock {
  /** Wall-clock time in epoch milliseconds (like `Date.now()`). May jump either way. */
  now(): number;
  /** Milliseconds from any fixed origin that never jump (like `performance.now()`). */
  monotonicNow(): number;
  /**
   * Converts a file time (the kernel's wall clock when a file was renamed, in epoch ms) to this
   * clock. Only a clock whose `now()` is not the kernel's needs it (a test stepping a fake wall
   * clock must say what the kernel's clock read at that moment). @default the time as it is
   */
  fromFileTime?(ms: number): number;
}

/** The clocks of the machine: `Date.now()` and `performance.now()`. */
export const SYSTEM_CLOCK: FileQueueClock = Object.freeze({
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
});

/** Options for {@link createFileQueue}. */
export interface FileQueueOptions {
  /**
   * The queue directory. Created (mode 0700) when missing. Every process that opens the same
   * directory shares the same queue. An existing directory must be empty (dot-files aside) or
   * hold a queue of this format; anything else is refused with `ForeignDirectoryError`.
   */
  readonly dir: string;
  /**
   * Time to run: how long a reservation holds its job before any process may hand it out again
   * (counting the attempt). `touch()` renews it.
   * @default DEFAULT_TTR_MS (60 000)
   */
  readonly ttrMs?: number;
  /**
   * Flush jobs to the disk before `enqueue` resolves (fsync of the file, then of its directory),
   * and flush the directory after `release`, `bury`, `kick` and `delete`. With `false` a job
   * survives the process being killed but not a power loss or kernel crash, and nothing waits
   * for the disk.
   * @default true
   */
  readonly fsync?: boolean;
  /** Longest wait between two looks while a blocking `reserve` finds nothing. @default DEFAULT_POLL_INTERVAL_MS (100) */
  readonly pollIntervalMs?: number;
  /** How often `reserved/` is listed to find leases other processes let run out. @default DEFAULT_REAP_INTERVAL_MS (1 000) */
  readonly reapIntervalMs?: number;
  /**
   * How often `ready/` is listed in full, in the background, to pick up jobs whose journal line was
   * lost (a producer killed between the two steps of `enqueue`, a power loss). `0` turns it off.
   * @default DEFAULT_RESCAN_INTERVAL_MS (30 000)
   */
  readonly rescanIntervalMs?: number;
  /** Compact the journal once it is at least this big (and 4x its last compacted size). @default DEFAULT_JOURNAL_COMPACT_BYTES (8 MiB) */
  readonly journalCompactBytes?: number;
  /** Largest encoded job accepted by `enqueue` and loaded by `reserve`. @default DEFAULT_MAX_JOB_BYTES (1 MiB) */
  readonly maxJobBytes?: number;
  /** Receives every {@link FileQueueEvent}. Exceptions it throws are ignored. @default none */
  readonly onEvent?: (event: FileQueueEvent) => void;
  /** Where events are also logged: corrupt files warn, requeued leases info, the rest debug. @default none */
  readonly logger?: FileQueueLogger;
  /**
   * The clocks the queue reads; for tests that step the wall clock or move time without sleeping.
   * Both functions are required.
   * @default SYSTEM_CLOCK (`Date.now()` and `performance.now()`)
   */
  readonly clock?: FileQueueClock;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly dir: string;
  readonly ttrMs: number;
  readonly fsync: boolean;
  readonly pollIntervalMs: number;
  readonly reapIntervalMs: number;
  readonly rescanIntervalMs: number;
  readonly journalCompactBytes: number;
  readonly maxJobBytes: number;
  readonly onEvent: ((event: FileQueueEvent) => void) | undefined;
  readonly logger: FileQueueLogger | undefined;
  readonly clock: FileQueueClock;
}

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !allowZero) || value > max) {
    const range = allowZero ? "a number >= 0" : "a positive number";
    throw new InvalidArgumentError(name, `must be ${range}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ""}, got ${String(value)}`);
  }
  return value;
}

/** Checks every option up front and fills in the defaults; the caller's object is not touched. */
export function resolveOptions(options: FileQueueOptions): ResolvedOptions {
  if (typeof options !== "object" || (options as unknown) === null) {
    throw new InvalidArgumentError("options", "must be an object with at least `dir`");
  }
  const { dir } = options;
  if (typeof dir !== "string" || dir.length === 0) throw new InvalidArgumentError("dir", "must be a non-empty path");
  if (dir.includes("\0")) throw new InvalidArgumentError("dir", "must not contain NUL bytes");
  if (options.fsync !== undefined && typeof options.fsync !== "boolean") {
    throw new InvalidArgumentError("fsync", `must be a boolean, got ${typeof options.fsync}`);
  }
  for (const name of ["onEvent"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw new InvalidArgumentError(name, "must be a function");
  }
  const { logger } = options;
  if (logger !== undefined) {
    for (const level of ["debug", "info", "warn", "error"] as const) {
      if (typeof logger[level] !== "function") throw new InvalidArgumentError(`logger.${level}`, "must be a function");
    }
  }
  const { clock } = options;
  if (clock !== undefined) {
    if (typeof clock !== "object" || (clock as unknown) === null) throw new InvalidArgumentError("clock", "must be an object with now() and monotonicNow()");
    for (const fn of ["now", "monotonicNow"] as const) {
      if (typeof clock[fn] !== "function") throw new InvalidArgumentError(`clock.${fn}`, "must be a function");
    }
    if (clock.fromFileTime !== undefined && typeof clock.fromFileTime !== "function") {
      throw new InvalidArgumentError("clock.fromFileTime", "must be a function");
    }
  }
  return {
    dir,
    ttrMs: positive("ttrMs", options.ttrMs, DEFAULT_TTR_MS, MAX_TTR_MS),
    fsync: options.fsync ?? true,
    pollIntervalMs: positive("pollIntervalMs", options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, MAX_TTR_MS),
    reapIntervalMs: positive("reapIntervalMs", options.reapIntervalMs, DEFAULT_REAP_INTERVAL_MS, MAX_TTR_MS),
    rescanIntervalMs: positive("rescanIntervalMs", options.rescanIntervalMs, DEFAULT_RESCAN_INTERVAL_MS, MAX_TTR_MS, true),
    journalCompactBytes: positive("journalCompactBytes", options.journalCompactBytes, DEFAULT_JOURNAL_COMPACT_BYTES),
    maxJobBytes: positive("maxJobBytes", options.maxJobBytes, DEFAULT_MAX_JOB_BYTES),
    onEvent: options.onEvent,
    logger,
    clock: clock ?? SYSTEM_CLOCK,
  };
}
