export { Event, isEvent, DEFAULT_RETENTION } from "./event.js";
export { Events, ConnectedEvents, DEFAULT_EMIT_TIMEOUT } from "./events.js";
export {
  Actor,
  isActor,
  DEFAULT_ACK_WAIT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_ACK_PENDING,
  DEFAULT_ACTOR_MAX_JOBS,
  DEFAULT_JOB_TIMEOUT,
  DEFAULT_RETRY_DELAY,
  DEFAULT_PULSE,
  DEFAULT_PRIORITY,
} from "./actor.js";
export {
  Actors,
  ConnectedActors,
  consumerConfigOf,
  DEFAULT_BATCH,
  DEFAULT_LISTEN_MAX_JOBS,
  DEFAULT_POLL_DELAY,
  MIN_POLL_DELAY,
  DEFAULT_DRAIN_TIMEOUT,
  DEFAULT_ACK_TIMEOUT,
} from "./actors.js";
export { Clock, MINUTE_PASSED, DEFAULT_CLOCK_PERIOD } from "./clock.js";
export { DEAD_LETTER_ATTEMPTS } from "./job.js";
export { CloudEvent, isCloudEvent, cloudEventHeaders } from "./cloud-event.js";
export {
  DEFAULT_SERVERS,
  DEFAULT_MAX_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_TIME_WAIT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_MAX_PING_OUT,
} from "./connection.js";
export { parsePubAck } from "./confirmations.js";
export {
  readDeadLetters,
  DEFAULT_DEAD_LETTER_STREAM,
  DEFAULT_DEAD_LETTER_MAX_AGE,
  DEFAULT_READ_LIMIT,
  DEAD_LETTER_HEADERS,
} from "./dead-letter.js";
export { HEADER_MSG_ID, HEADER_TRACE, HEADER_DELAY_UNTIL, MAX_DELAY_MS } from "./headers.js";
export { MAX_AGE_MS } from "./limits.js";
export { silentLogger } from "./logger.js";
export { loggingMiddleware } from "./middlewares/logging.js";
export { currentContext } from "./middlewares/current-context.js";
export { MAX_NAME_LENGTH, MAX_DESCRIPTION_LENGTH } from "./names.js";
export { retryDelayFor, attemptOf } from "./retry.js";
export { jsonSerializer, bytesSerializer, stringSerializer, dateSerializer } from "./serializers.js";
export { streamConfigOf, DEFAULT_DUPLICATE_WINDOW_MS } from "./stream-config.js";
export {
  EventsError,
  InvalidOptionError,
  InvalidNameError,
  StreamExistsError,
  StreamConfigError,
  ConsumerConfigError,
  UnknownEventError,
  InvalidPayloadError,
  SerializationError,
  PayloadTooLargeError,
  JobTimeoutError,
  AckTimeoutError,
  ShutdownError,
  ClosedError,
  ConnectionLostError,
  EmitsNotConfirmedError,
  MalformedMessageError,
  MAX_REPORTED_UNCONFIRMED,
} from "./errors.js";

export type { EventOptions, EventSchemaOptions, Retention, AnyEvent } from "./event.js";
export type { EmitOptions, EmitResult, EventsConnectOptions } from "./events.js";
export type { EmitCounts, PubAckResult } from "./confirmations.js";
export type { ConnectionStatus, ConnectionStatusType } from "./connection-watch.js";
export type { ActorOptions, Handler, HandlerContext, AnyActor } from "./actor.js";
export type { ListenOptions, ActorsConnectOptions } from "./actors.js";
export type { ClockOptions, ClockRunOptions, ClockEmitter } from "./clock.js";
export type { CloudEventInit } from "./cloud-event.js";
export type { ConnectOptions, ConnectTarget } from "./connection.js";
export type { DeadLetter, DeadLetterOptions, ReadDeadLettersOptions } from "./dead-letter.js";
export type { JobOutcome } from "./job.js";
export type { Limits } from "./limits.js";
export type { Logger, LogFields } from "./logger.js";
export type {
  Middleware,
  JobInfo,
  Context,
  OkContext,
  ErrorContext,
  DeadLetterContext,
  DeadLetterReason,
  HookResult,
} from "./middleware.js";
export type { CurrentContext } from "./middlewares/current-context.js";
export type { RegisterOptions, RegisterResult } from "./register-streams.js";
export type { Priority } from "./slots.js";
export type { Serializer } from "./serializers.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
export type { EventsErrorCode, PayloadIssue, UnconfirmedEmit } from "./errors.js";
