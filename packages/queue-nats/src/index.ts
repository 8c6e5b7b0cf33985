export type { LogFields, Logger } from "@x/core";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export type { ParkedBulkOptions, ParkedState } from "./bulk.js";
export type { NatsQueueErrorCode } from "./errors.js";
export { NatsQueueApiError } from "./errors.js";
export type { NatsQueueOptions } from "./options.js";
export {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REPLICAS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SERVERS,
} from "./options.js";
export type { NatsQueue } from "./queue.js";
export { createNatsQueue } from "./queue.js";
export { BAND_COUNT, bandOf, QUEUE_NAME_PATTERN } from "./subjects.js";
