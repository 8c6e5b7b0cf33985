import { JetStreamApiError, type JetStreamManager, type StreamInfo } from "@nats-io/jetstream";
import { StreamConfigError, StreamExistsError } from "./errors.js";
import type { AnyEvent } from "./event.js";
import { streamConfigOf } from "./stream-config.js";

/** JetStream API error: "stream name already in use with a different configuration". */
export const STREAM_NAME_IN_USE = 10058;
/** JetStream API error: invalid stream configuration (or a field that cannot be updated). */
const STREAM_INVALID_CONFIG = 10052;
/** JetStream API errors of a replica count the servers cannot place: a single server, too few nodes. */
const REPLICAS_NOT_SUPPORTED = 10074;
const INSUFFICIENT_RESOURCES = 10023;
/** Errors that mean the configuration, not the moment, is wrong: `StreamConfigError`. */
const CONFIG_ERRORS: ReadonlySet<number> = new Set([STREAM_INVALID_CONFIG, REPLICAS_NOT_SUPPORTED, INSUFFICIENT_RESOURCES]);

/** Options of `register` on connected events. */
export interface RegisterOptions {
  /** Create streams that do not exist. @default true */
  readonly create?: boolean;
  /** Update streams whose configuration changed. @default true */
  readonly update?: boolean;
  /** Stops waiting for the server. @default none */
  readonly signal?: AbortSignal;
}

/** What `register` did. */
export interface RegisterResult {
  /** Streams that were created, found unchanged or updated (empty when both flags are false). */
  readonly streams: readonly string[];
  /** Warnings also sent to the logger, e.g. an interest stream with no actor yet. */
  readonly warnings: readonly string[];
}

const apiCode = (error: unknown): number | undefined => (error instanceof JetStreamApiError ? error.code : undefined);

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Creates or updates the stream of one event with walnats' exact outcome matrix:
 *
 * | create | update | missing | same config | changed updatable | changed fixed |
 * |---|---|---|---|---|---|
 * | yes | yes | created | ok | updated | StreamConfigError |
 * | yes | no | created | ok | StreamExistsError | StreamExistsError |
 * | no | yes | "stream not found" (client error) | ok | updated | StreamConfigError |
 * | no | no | no-op | no-op | no-op | no-op |
 */
export async function registerStream(jsm: JetStreamManager, event: AnyEvent, options: RegisterOptions): Promise<StreamInfo | undefined> {
  const create = options.create ?? true;
  const update = options.update ?? true;
  const config = streamConfigOf(event);
  if (create) {
    try {
      return await jsm.streams.add(config);
    } catch (error) {
      const code = apiCode(error);
      if (code !== undefined && CONFIG_ERRORS.has(code)) throw new StreamConfigError(config.name, reasonOf(error), { cause: error });
      if (code !== STREAM_NAME_IN_USE) throw error;
      if (!update) throw new StreamExistsError(config.name, { cause: error });
    }
  }
  if (!update) return undefined;
  try {
    // The client merges this into the current config, so fields that cannot change (retention,
    // max_consumers) reach the server, which refuses them.
    return await jsm.streams.update(config.name, config);
  } catch (error) {
    const code = apiCode(error);
    if (code !== undefined && CONFIG_ERRORS.has(code)) throw new StreamConfigError(config.name, reasonOf(error), { cause: error });
    throw error;
  }
}

/** The warning for an interest stream that nobody consumes yet: events emitted on it now are dropped. */
export function interestWarning(event: AnyEvent, info: StreamInfo | undefined): string | undefined {
  if (event.retention !== "interest" || info === undefined || info.state.consumer_count > 0) return undefined;
  return (
    `stream "${event.streamName}" uses interest retention and has no actor yet: ` +
    `events emitted on "${event.subject}" before an actor registers are dropped ` +
    `(register the actors first, or declare the event with retention "limits")`
  );
}
