export type { Logger, TimeSource, Unsubscribe } from "@x/core";
export { InvalidOptionError } from "@x/core";
export type { FileQueueErrorCode } from "./errors.js";
export {
  CorruptJobError,
  FileQueueError,
  FileQueueNotFoundError,
  FileSystemError,
  ForeignDirectoryError,
  IdLockedError,
} from "./errors.js";
export type {
  BackgroundErrorEvent,
  CleanedEvent,
  CompactedEvent,
  CorruptEvent,
  FileQueueEvents,
  RequeuedEvent,
  RescannedEvent,
  ReturnedEvent,
} from "./events.js";
export type { FileQueue } from "./file-queue.js";
export { createFileQueue } from "./file-queue.js";
export type { FileQueueOptions, FileQueueTimeSource } from "./options.js";
export {
  type PulpoCorruptFile,
  PulpoDirectoryError,
  type PulpoEntry,
  type PulpoJob,
  type PulpoReadOptions,
  type PulpoTimeZone,
  readPulpoDirectory,
} from "./pulpo/index.js";
