export type { LogFields, Logger, TimeSource, Unsubscribe } from "@x/core";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export type { HeartbeatErrorCode } from "./errors.js";
export {
  AlreadyRunningError,
  GatewayError,
  GatewayHttpError,
  GatewayResponseError,
  GatewayTimeoutError,
  HeartbeatError,
  HeartbeatFailedError,
  InvalidHeartbeatError,
  InvalidProcessNameError,
  IteratorOverflowError,
} from "./errors.js";
export type {
  Heart,
  HeartbeatMessage,
  HeartbeatPublisher,
  HeartbeatResult,
  HeartCommonOptions,
  HeartOptions,
  PulseOptions,
  StartOptions,
} from "./heart.js";
export { createHeart } from "./heart.js";
export type { JobmonHttpGatewayOptions } from "./jobmon-http.js";
export { createJobmonHttpGateway } from "./jobmon-http.js";
export type {
  InvalidHeartbeat,
  Monitor,
  MonitorEvents,
  MonitorOptions,
  MonitorStats,
  ProcessState,
  ProcessStatus,
  Transition,
  TransitionState,
  TransitionsOptions,
} from "./monitor.js";
export { createMonitor } from "./monitor.js";
export { MAX_PAYLOAD_BYTES, parseHeartbeat } from "./parse.js";
export type { Heartbeat, HeartbeatKind } from "./protocol.js";
export { HEARTBEAT_SUBJECT_PREFIX, MAX_SUBJECT_BYTES, processNameProblem } from "./protocol.js";
export type {
  HeartbeatGateway,
  HeartbeatRequest,
  HeartbeatResponse,
  HeartbeatService,
  HeartbeatServiceEvents,
  HeartbeatServiceOptions,
  RunOptions,
  StateUpdate,
  StatusChange,
  TickOptions,
} from "./service.js";
export { createHeartbeatService } from "./service.js";
