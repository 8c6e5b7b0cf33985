export type { ActionAuth, AuthScheme, BasicAuthCredentials } from "./auth.js";
export { basicAuth, tokenAuth } from "./auth.js";
export type { Dashboard, ProbePublisher } from "./dashboard.js";
export { createDashboard } from "./dashboard.js";
export type { DashboardErrorCode } from "./errors.js";
export {
  BadRequestError,
  DashboardError,
  ForbiddenError,
  NotFoundError,
  ReadOnlyError,
  SourceUnavailableError,
  UnauthorizedError,
  UnsupportedError,
} from "./errors.js";
export type { ConsumerView, DeadLetterView, StreamView } from "./events.js";
export { DEFAULT_DEAD_LETTER_STREAM } from "./events.js";
export { ACTION_HEADER } from "./guard.js";
export type { ProcessView, StateCounts, TransitionView } from "./heartbeats.js";
export type { QueueRate, QueueSample } from "./history.js";
export type { NodeHandler, ServedDashboard, ServeOptions } from "./node.js";
export { serveDashboard, toNodeHandler } from "./node.js";
export type { DashboardOptions, ProbesOptions } from "./options.js";
export {
  DEFAULT_HISTORY_LENGTH,
  DEFAULT_MAX_CHECKS,
  DEFAULT_MAX_TRANSITIONS,
  DEFAULT_SAMPLE_INTERVAL_MS,
  DEFAULT_UPDATE_INTERVAL_MS,
} from "./options.js";
export type { CheckView } from "./probes.js";
export type { JobView, QueueView } from "./queues.js";
export { MAX_PAYLOAD_TEXT } from "./queues.js";
