export { createFileQueue } from "./file-queue.js";
export {
  DEFAULT_TTR_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REAP_INTERVAL_MS,
  DEFAULT_RESCAN_INTERVAL_MS,
  DEFAULT_JOURNAL_COMPACT_BYTES,
  DEFAULT_MAX_JOB_BYTES,
  INITIAL_POLL_DELAY_MS,
  MAX_TTR_MS,
  SYSTEM_CLOCK,
} from "./options.js";
export { FORMAT_MARKER } from "./layout.js";
export { CorruptJobError, FileSystemError, ForeignDirectoryError, IdLockedError } from "./errors.js";

export type { FileQueue } from "./file-queue.js";
export type { FileQueueClock, FileQueueOptions } from "./options.js";
export type {
  FileQueueEvent,
  FileQueueLogger,
  CorruptEvent,
  RequeuedEvent,
  ReturnedEvent,
  CompactedEvent,
  RescannedEvent,
  CleanedEvent,
  BackgroundErrorEvent,
} from "./events.js";
