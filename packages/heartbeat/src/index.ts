export { createHeart } from "./heart.js";
export { createHeartbeatService } from "./service.js";
export { createMonitor } from "./monitor.js";
export { parseHeartbeat, MAX_PAYLOAD_BYTES } from "./parse.js";
export { HEARTBEAT_SUBJECT_PREFIX, MAX_SUBJECT_BYTES, processNameProblem } from "./protocol.js";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export {
  HeartbeatError,
  InvalidProcessNameError,
  InvalidHeartbeatError,
  GatewayError,
  GatewayTimeoutError,
  AlreadyRunningError,
  IteratorOverflowError,
} from "./errors.js";

export type { Logger, LogFields, TimeSource, Unsubscribe } from "@x/core";
export type {
  Heart,
  HeartOptions,
  HeartCommonOptions,
  StartOptions,
  PulseOptions,
  HeartbeatPublisher,
  HeartbeatMessage,
  HeartbeatResult,
} from "./heart.js";
export type { HeartbeatKind, Heartbeat } from "./protocol.js";
export type {
  HeartbeatService,
  HeartbeatServiceOptions,
  HeartbeatServiceEvents,
  HeartbeatGateway,
  HeartbeatRequest,
  HeartbeatResponse,
  StateUpdate,
  StatusChange,
  RunOptions,
  TickOptions,
} from "./service.js";
export type {
  Monitor,
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
export type { HeartbeatErrorCode } from "./errors.js";
