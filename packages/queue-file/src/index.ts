export { createFileQueue } from "./file-queue.js";
export { CorruptJobError, FileQueueError, FileSystemError, ForeignDirectoryError, IdLockedError } from "./errors.js";
export { InvalidOptionError } from "@x/core";

export type { FileQueue } from "./file-queue.js";
export type { FileQueueOptions, FileQueueTimeSource } from "./options.js";
export type { FileQueueErrorCode } from "./errors.js";
export type {
  FileQueueEvents,
  CorruptEvent,
  RequeuedEvent,
  ReturnedEvent,
  CompactedEvent,
  RescannedEvent,
  CleanedEvent,
  BackgroundErrorEvent,
} from "./events.js";
export type { Logger, TimeSource, Unsubscribe } from "@x/core";
