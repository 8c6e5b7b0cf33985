import {
  checkOptionKeys,
  durationMsOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  loggerOption,
  MAX_TIMER_MS,
  type TimeSource,
  timeSourceOption,
} from "@x/core";
import { DEFAULT_MAX_MESSAGE_BYTES } from "@x/message";

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
/** Longest lease a job can have: a lease end is a timer, and a longer timer would fire at once. */
export const MAX_TTR_MS = MAX_TIMER_MS;

/**
 * The `time` option: `@x/core`'s `TimeSource` (`now()` monotonic, for leases and delays inside
 * the process; `wallNow()` calendar time, written into file names so that a due time or a lease
 * end survives a restart and means the same to every process), plus one optional hook.
 */
export interface FileQueueTimeSource extends TimeSource {
  /**
   * Converts a file time (the kernel's wall clock when a file was renamed, in epoch ms) to this
   * source's `wallNow()`. Only a time source whose `wallNow()` is not the kernel's needs it: a
   * test that steps a fake wall clock must say what the kernel's clock read at that moment.
   * @default the file time as it is
   */
  fromFileTime?(ms: number): number;
}

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
   * (counting the attempt). `touch()` renews it. At most about 24.8 days (setTimeout's limit).
   * @default 60_000
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
  /**
   * `false`: never create the queue. A directory that does not exist, or holds no queue (no
   * `queue-file.json`), makes every call reject with `FileQueueNotFoundError`, and nothing is
   * created on disk (for read-only tools such as `x-queue stats`, where a typo must not make a
   * new empty queue). The factory itself never throws for it: nothing is touched until the first call.
   * @default true
   */
  readonly create?: boolean;
  /** Longest wait between two looks while a blocking `reserve` finds nothing. @default 100 */
  readonly pollIntervalMs?: number;
  /** How often `reserved/` is listed to find leases other processes let run out. @default 1_000 */
  readonly reapIntervalMs?: number;
  /**
   * How often `ready/` is listed in full, in the background, to pick up jobs whose journal line was
   * lost (a producer killed between the two steps of `enqueue`, a power loss). `0` turns it off.
   * @default 30_000
   */
  readonly rescanIntervalMs?: number;
  /** Compact the journal once it is at least this big (and 4x its last compacted size). @default 8 MiB */
  readonly journalCompactBytes?: number;
  /** Largest encoded job accepted by `enqueue` and loaded by `reserve`. @default 1 MiB */
  readonly maxJobBytes?: number;
  /**
   * Where the queue logs: corrupt files at `warn`, requeued leases at `info`, background failures
   * at `error`, the rest at `debug`, each with its fields (`logger.warn({ file, reason }, "...")`).
   * A pino logger or `console` fits as it is.
   * @default nothing is logged
   */
  readonly logger?: Logger;
  /**
   * Where the queue reads time and sets its timers; for tests that step the wall clock or move
   * time without sleeping.
   * @default `@x/core`'s `systemTime`
   */
  readonly time?: FileQueueTimeSource;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly dir: string;
  readonly ttrMs: number;
  readonly fsync: boolean;
  readonly create: boolean;
  readonly pollIntervalMs: number;
  readonly reapIntervalMs: number;
  readonly rescanIntervalMs: number;
  readonly journalCompactBytes: number;
  readonly maxJobBytes: number;
  readonly logger: Logger;
  readonly time: FileQueueTimeSource;
}

const OPTION_KEYS: readonly (keyof FileQueueOptions)[] = [
  "dir",
  "ttrMs",
  "fsync",
  "create",
  "pollIntervalMs",
  "reapIntervalMs",
  "rescanIntervalMs",
  "journalCompactBytes",
  "maxJobBytes",
  "logger",
  "time",
];

/** Checks every option up front and fills in the defaults; the caller's object is not touched. */
export function resolveOptions(options: FileQueueOptions): ResolvedOptions {
  if ((options as unknown) === undefined) throw new InvalidOptionError("dir", undefined, "is required");
  checkOptionKeys(options, OPTION_KEYS, "createFileQueue");
  const { dir } = options;
  if (typeof dir !== "string" || dir.length === 0) throw new InvalidOptionError("dir", dir, "must be a non-empty path");
  if (dir.includes("\0")) throw new InvalidOptionError("dir", dir, "must not contain NUL bytes");
  if (options.fsync !== undefined && typeof options.fsync !== "boolean")
    throw new InvalidOptionError("fsync", options.fsync, "must be a boolean");
  if (options.create !== undefined && typeof options.create !== "boolean")
    throw new InvalidOptionError("create", options.create, "must be a boolean");
  const time: FileQueueTimeSource = timeSourceOption(options.time);
  const { fromFileTime } = time as { fromFileTime?: unknown };
  if (fromFileTime !== undefined && typeof fromFileTime !== "function") {
    throw new InvalidOptionError("time.fromFileTime", fromFileTime, "must be a function");
  }
  return {
    dir,
    ttrMs: durationMsOption("ttrMs", options.ttrMs, DEFAULT_TTR_MS, { min: 1, max: MAX_TTR_MS }),
    fsync: options.fsync ?? true,
    create: options.create ?? true,
    pollIntervalMs: durationMsOption("pollIntervalMs", options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, { min: 1, max: MAX_TIMER_MS }),
    reapIntervalMs: durationMsOption("reapIntervalMs", options.reapIntervalMs, DEFAULT_REAP_INTERVAL_MS, { min: 1, max: MAX_TIMER_MS }),
    rescanIntervalMs: durationMsOption("rescanIntervalMs", options.rescanIntervalMs, DEFAULT_RESCAN_INTERVAL_MS, { max: MAX_TIMER_MS }),
    journalCompactBytes: integerOption("journalCompactBytes", options.journalCompactBytes, DEFAULT_JOURNAL_COMPACT_BYTES, 1),
    maxJobBytes: integerOption("maxJobBytes", options.maxJobBytes, DEFAULT_MAX_JOB_BYTES, 1),
    logger: loggerOption(options.logger),
    time,
  };
}
