export { Event } from "./event.js";
export { Events } from "./events.js";
export { Actor, DEFAULT_RETRY_DELAYS_MS } from "./actor.js";
export { Actors, MIN_POLL_DELAY_MS } from "./actors.js";
export { Clock, MINUTE_PASSED } from "./clock.js";
export { DEAD_LETTER_ATTEMPTS } from "./job.js";
export { CloudEvent } from "./cloud-event.js";
export { readDeadLetters } from "./dead-letter.js";
export { MAX_DELAY_MS } from "./headers.js";
export { MAX_AGE_MS } from "./limits.js";
export { loggingMiddleware } from "./middlewares/logging.js";
export { currentContext } from "./middlewares/current-context.js";
export { MAX_NAME_LENGTH, MAX_DESCRIPTION_LENGTH } from "./names.js";
export { jsonSerializer, bytesSerializer, stringSerializer, dateSerializer } from "./serializers.js";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export {
  EventsError,
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

export type { Logger, LogFields } from "@x/core";
export type { EventOptions, EventSchemaOptions, Retention, AnyEvent } from "./event.js";
export type { ConnectedEvents, ConnectedEventsEvents, EmitOptions, EmitResult, EventsConnectOptions } from "./events.js";
export type { EmitCounts } from "./confirmations.js";
export type { ConnectionStatus, ConnectionStatusType } from "./connection-watch.js";
export type { ActorOptions, Handler, HandlerContext, AnyActor } from "./actor.js";
export type { ConnectedActors, ConnectedActorsEvents, OutcomeEvent, ListenOptions, ActorsConnectOptions } from "./actors.js";
export type { ClockOptions, ClockRunOptions, ClockEmitter } from "./clock.js";
export type { CloudEventInit } from "./cloud-event.js";
export type { ConnectOptions } from "./connection.js";
export type { DeadLetter, DeadLetterOptions, ReadDeadLettersOptions } from "./dead-letter.js";
export type { JobOutcome } from "./job.js";
export type { Limits } from "./limits.js";
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
