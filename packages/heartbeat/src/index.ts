export { Heart, DEFAULT_MIN_INTERVAL_MS } from "./heart.js";
export { HeartbeatService } from "./service.js";
export {
  Monitor,
  DEFAULT_BUFFER,
  DEFAULT_GRACE,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_MAX_BUFFERED_TRANSITIONS,
  DEFAULT_EVICT_AFTER_MS,
} from "./monitor.js";
export { parseHeartbeat, MAX_PAYLOAD_BYTES } from "./parse.js";
export {
  HEARTBEAT_SUBJECT_PREFIX,
  MAX_SUBJECT_BYTES,
  processNameProblem,
  formatSeconds,
} from "./protocol.js";
export { monotonicClock } from "./clock.js";
export {
  HeartbeatError,
  InvalidArgumentError,
  InvalidHeartbeatError,
  GatewayError,
  GatewayTimeoutError,
  AlreadyRunningError,
  IteratorOverflowError,
} from "./errors.js";

export type { HeartOptions, HeartCommonOptions, HeartbeatPublisher, HeartbeatMessage, HeartbeatResult } from "./heart.js";
export type { HeartbeatKind, Heartbeat } from "./protocol.js";
export type {
  HeartbeatServiceOptions,
  HeartbeatGateway,
  HeartbeatRequest,
  HeartbeatResponse,
  StateUpdate,
  StatusChange,
  RunOptions,
  TickOptions,
} from "./service.js";
export type {
  MonitorOptions,
  MonitorEvents,
  MonitorStats,
  ProcessState,
  ProcessStatus,
  TransitionState,
  Transition,
  InvalidHeartbeat,
  TransitionsOptions,
} from "./monitor.js";
export type { Clock } from "./clock.js";
export type { Logger } from "./logger.js";
export type { HeartbeatErrorCode } from "./errors.js";
