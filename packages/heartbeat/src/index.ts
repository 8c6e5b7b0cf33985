export { Heart, DEFAULT_MIN_INTERVAL_MS } from "./heart.js";
export { HeartbeatService } from "./service.js";
export {
  HEARTBEAT_SUBJECT_PREFIX,
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
  IteratorOverflowError,
} from "./errors.js";

export type { HeartOptions, HeartbeatPublisher, HeartbeatMessage, HeartbeatResult } from "./heart.js";
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
export type { Clock } from "./clock.js";
export type { Logger } from "./logger.js";
export type { HeartbeatErrorCode } from "./errors.js";
