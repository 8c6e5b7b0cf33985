export { createMessage, newMessageId, isValidMessageId, normalizePriority, withHeader, toMessageInit } from "./message.js";
export { DEFAULT_PRIORITY, MIN_PRIORITY, MAX_PRIORITY, MESSAGE_ID_PATTERN, RESERVED_HEADER_KEYS } from "./message.js";
export { encode, encodeToString, decode, DEFAULT_MAX_MESSAGE_BYTES } from "./codec.js";
export { parseWireDate, formatWireDate } from "./dates.js";
export { createMemoryQueue, DEFAULT_MEMORY_LEASE_MS } from "./memory-queue.js";
export {
  QueueError,
  InvalidMessageError,
  InvalidArgumentError,
  QueueClosedError,
  ConnectionError,
  JobNotFoundError,
  LeaseLostError,
  TimeoutError,
  JobTooBigError,
  AdapterError,
  errors,
} from "./errors.js";

export type { Message, MessageHeader, MessageBody, MessageInit, HeaderUpdate } from "./message.js";
export type { DecodeOptions } from "./codec.js";
export type { JsonValue } from "./json-value.js";
export type { MemoryQueueOptions } from "./memory-queue.js";
export type {
  QueueAdapter,
  QueueCapabilities,
  Reservation,
  ReserveOptions,
  ReleaseOptions,
  QueueStats,
  JobState,
  JobInfo,
} from "./adapter.js";
export type { QueueErrorCode, AdapterErrorCode } from "./errors.js";
