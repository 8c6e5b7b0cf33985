export type {
  BulkAction,
  BulkOptions,
  BulkResult,
  EnqueueResult,
  JobInfo,
  JobListing,
  JobPage,
  JobState,
  ListOptions,
  QueueAdapter,
  QueueCapabilities,
  QueueStats,
  ReleaseOptions,
  Reservation,
  ReserveOptions,
} from "./adapter.js";
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, MAX_PROGRESS_BYTES } from "./adapter.js";
export type { DecodeOptions, EncodeOptions, WireDialect } from "./codec.js";
export { DEFAULT_MAX_MESSAGE_BYTES, decode, encode, encodeToString, WIRE_DIALECTS } from "./codec.js";
export { formatPulpoDelay, formatPulpoExpiration, formatWireDate, parseWireDate } from "./dates.js";
export type { AdapterErrorCode, QueueErrorCode } from "./errors.js";
export {
  AdapterError,
  ConnectionError,
  errors,
  InvalidArgumentError,
  InvalidMessageError,
  JobNotFoundError,
  JobTooBigError,
  LeaseLostError,
  QueueClosedError,
  QueueError,
  TimeoutError,
  UnsupportedOperationError,
} from "./errors.js";
export type { JsonValue } from "./json-value.js";
export type { MemoryQueueOptions } from "./memory-queue.js";
export { createMemoryQueue, DEFAULT_MEMORY_LEASE_MS } from "./memory-queue.js";
export type { HeaderUpdate, Message, MessageBody, MessageHeader, MessageInit } from "./message.js";
export {
  createMessage,
  DEFAULT_PRIORITY,
  isValidMessageId,
  MAX_PRIORITY,
  MESSAGE_ID_PATTERN,
  MIN_PRIORITY,
  newMessageId,
  normalizePriority,
  RESERVED_HEADER_KEYS,
  toMessageInit,
  withHeader,
} from "./message.js";
export { bulk, checkBulkOptions, encodeProgress, enqueueMany, listAll, matchesRequestType, normalizeListOptions } from "./operations.js";
