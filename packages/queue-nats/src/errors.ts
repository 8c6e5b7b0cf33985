/**
 * Errors of @x/queue-nats. Failures surface as @x/message's shared classes where one fits
 * (`ConnectionError` when the server is gone, `TimeoutError` when JetStream does not answer, as
 * when a replicated stream has lost its quorum); what only JetStream can say is a
 * {@link NatsQueueApiError}, an `AdapterError` with a code of its own.
 */

import { JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import {
  ClosedConnectionError,
  DrainingConnectionError,
  ConnectionError as NatsConnectionError,
  TimeoutError as NatsTimeoutError,
  NoRespondersError,
  RequestError,
} from "@nats-io/transport-node";
import { AdapterError, ConnectionError, QueueError, TimeoutError } from "@x/message";

/** The codes of this package's own classes; unique across the toolkit. */
export type NatsQueueErrorCode = "ERR_X_NATS_QUEUE_API";

/**
 * JetStream refused a request (a stream or consumer call, a publish). `apiCode` is JetStream's
 * own error code (`10058` stream name in use, ...) when the server sent one.
 */
export class NatsQueueApiError extends AdapterError {
  declare readonly code: "ERR_X_NATS_QUEUE_API";
  /** JetStream's error code, or `undefined` when the failure carried none. */
  readonly apiCode: number | undefined;
  /** What was being done: `publish`, `pull`, `stream info`, ... */
  readonly operation: string;

  constructor(operation: string, apiCode: number | undefined, detail: string, options?: ErrorOptions) {
    super(`JetStream ${operation} failed: ${detail}`, options, "ERR_X_NATS_QUEUE_API");
    this.apiCode = apiCode;
    this.operation = operation;
  }
}

/** Maps whatever the NATS client threw onto the shared classes (our own errors pass through). */
export function mapNatsError(operation: string, error: unknown): Error {
  if (error instanceof QueueError) return error;
  if (error instanceof NatsTimeoutError) {
    return new TimeoutError(`JetStream ${operation}: no answer in time (is the server, or the stream's quorum, down?)`, { cause: error });
  }
  if (error instanceof NoRespondersError) {
    return new ConnectionError(`JetStream ${operation}: no responders (is JetStream enabled, and does the stream have a leader?)`, {
      cause: error,
    });
  }
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError || error instanceof NatsConnectionError) {
    return new ConnectionError(`JetStream ${operation}: the connection is closed`, { cause: error });
  }
  if (error instanceof RequestError) {
    const why = error.isNoResponders() ? "no responders (no stream leader reachable right now)" : error.message;
    return new ConnectionError(`JetStream ${operation}: ${why}`, { cause: error });
  }
  // The client wraps "no responders" of a publish (no stream leader, as during an election) in an error of its own.
  if (error instanceof Error && (error.cause instanceof RequestError || error.cause instanceof NoRespondersError)) {
    return mapNatsError(operation, error.cause);
  }
  if (error instanceof JetStreamApiError) return new NatsQueueApiError(operation, error.code, error.message, { cause: error });
  if (error instanceof JetStreamError) return new NatsQueueApiError(operation, undefined, error.message, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new NatsQueueApiError(operation, undefined, detail, { cause: error });
}
