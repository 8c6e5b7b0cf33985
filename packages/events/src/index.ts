export type { LogFields, Logger } from "@x/core";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export type { ActorOptions, AnyActor, Handler, HandlerContext, ResponseHandler } from "./actor.js";
export { Actor, DEFAULT_RETRY_DELAYS_MS } from "./actor.js";
export type { ActorsConnectOptions, ConnectedActors, ConnectedActorsEvents, ListenOptions, OutcomeEvent } from "./actors.js";
export { Actors, MIN_POLL_DELAY_MS } from "./actors.js";
export type { ClockEmitter, ClockOptions, ClockRunOptions } from "./clock.js";
export { Clock, MINUTE_PASSED } from "./clock.js";
export type { CloudEventInit } from "./cloud-event.js";
export { CloudEvent, readCloudEvent } from "./cloud-event.js";
export type { FernetOptions, GzipOptions, HmacOptions } from "./codecs/index.js";
export { DEFAULT_GUNZIP_MAX_BYTES, fernetSerializer, gzipSerializer, hmacSerializer, msgpackSerializer } from "./codecs/index.js";
export type { EmitCounts } from "./confirmations.js";
export type { ConnectOptions } from "./connection.js";
export type { ConnectionStatus, ConnectionStatusType } from "./connection-watch.js";
export type { DeadLetter, DeadLetterOptions, ReadDeadLettersOptions } from "./dead-letter.js";
export { readDeadLetters } from "./dead-letter.js";
export type {
  Decorator,
  ErrorClass,
  RateLimitOptions,
  RequiresOptions,
  SuppressOptions,
  TimeField,
  TimePattern,
} from "./decorators/index.js";
export { DEFAULT_REQUIRE_PAUSE_MS, decorate, filterTime, rateLimit, requires, suppress } from "./decorators/index.js";
export type { EventsErrorCode, PayloadIssue, UnconfirmedEmit } from "./errors.js";
export {
  AckTimeoutError,
  ClosedError,
  ConnectionLostError,
  ConsumerConfigError,
  DuplicateRequestError,
  EmitsNotConfirmedError,
  EventsError,
  InvalidNameError,
  InvalidPayloadError,
  JobTimeoutError,
  MAX_REPORTED_UNCONFIRMED,
  MalformedMessageError,
  PayloadTooLargeError,
  RequestFailedError,
  RequestTimeoutError,
  SerializationError,
  ShutdownError,
  StreamConfigError,
  StreamExistsError,
  UnknownEventError,
} from "./errors.js";
export type { AnyEvent, EventOptions, EventSchemaOptions, Retention } from "./event.js";
export { Event } from "./event.js";
export type { ConnectedEvents, ConnectedEventsEvents, EmitOptions, EmitResult, EventsConnectOptions, RequestOptions } from "./events.js";
export { Events } from "./events.js";
export type { ExecuteIn, HandlerPool, HandlerPoolOptions, PoolTask } from "./handler-pool.js";
export { createHandlerPool } from "./handler-pool.js";
export { MAX_DELAY_MS } from "./headers.js";
export type { JobOutcome } from "./job.js";
export { DEAD_LETTER_ATTEMPTS } from "./job.js";
export type { Limits } from "./limits.js";
export { MAX_AGE_MS } from "./limits.js";
export type {
  Context,
  DeadLetterContext,
  DeadLetterReason,
  ErrorContext,
  HookResult,
  JobInfo,
  Middleware,
  OkContext,
} from "./middleware.js";
export type { CurrentContext } from "./middlewares/current-context.js";
export { currentContext } from "./middlewares/current-context.js";
export type { ErrorThresholdOptions } from "./middlewares/error-threshold.js";
export { DEFAULT_CONSECUTIVE_FAILURES, errorThreshold } from "./middlewares/error-threshold.js";
export type { FrequencyOptions } from "./middlewares/frequency.js";
export { DEFAULT_FREQUENCY_INTERVAL_MS, frequency } from "./middlewares/frequency.js";
export { loggingMiddleware } from "./middlewares/logging.js";
export type { EventMonitor, MonitoredEvent, MonitorOptions } from "./monitor.js";
export { DEFAULT_MONITOR_BUFFER } from "./monitor.js";
export type { NameRules } from "./names.js";
export { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_WALNATS_NAME_LENGTH } from "./names.js";
export type { RegisterOptions, RegisterResult } from "./register-streams.js";
export type { EventWithResponse, ResponseCodec, ResponseOptions, ResponseSchemaOptions } from "./response.js";
export { withResponse } from "./response.js";
export type { Serializer, UntypedSerializer } from "./serializers.js";
export { bytesSerializer, dateSerializer, jsonSerializer, stringSerializer, walnatsDateSerializer } from "./serializers.js";
export type { AsyncApiOptions, D2Options, MermaidOptions, ServiceDescription, ServiceOptions, ServicesRegistry } from "./services/index.js";
export { Services } from "./services/index.js";
export type { Priority } from "./slots.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
