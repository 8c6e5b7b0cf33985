import { systemClock, type Clock } from "../clock.js";
import { InvalidOptionError, OutputClosedError } from "../errors.js";
import { errorText, silentLogger, type Logger } from "../logger.js";
import type { ProbeMessage } from "../message/types.js";
import type { Output, OutputStats } from "./output.js";
import { PendingCounter } from "./pending.js";
import { RateLimit } from "./rate-limit.js";

/** What a {@link Publisher} is handed: the subject and the JSON bytes of one message. */
export interface PublishedMessage {
  readonly subject: string;
  readonly payload: Uint8Array;
}

/**
 * Anything with `publish({ subject, payload })` (the convention `@x/heartbeat` uses too). A NATS
 * connection fits behind one line: `{ publish: ({ subject, payload }) => nc.publish(subject, payload) }`.
 * A returned promise is awaited by `flush()`; its rejection counts as a dropped message.
 */
export interface Publisher {
  publish(message: PublishedMessage): unknown;
}

/** Subject of published messages when the options give none. */
export const DEFAULT_SUBJECT = "probe";

/** Options for {@link publisherOutput}. */
export interface PublisherOutputOptions {
  readonly publisher: Publisher;
  /** A subject, or a function of the message. @default DEFAULT_SUBJECT */
  readonly subject?: string | ((message: ProbeMessage) => string);
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Failed publishes are logged at most once per this many ms. @default 30000 */
  readonly warnIntervalMs?: number;
  /** For the warning rate limit. @default systemClock */
  readonly clock?: Clock;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * An output that hands each message (JSON, no newline) to a publisher such as a NATS
 * connection. The publisher does its own buffering and reconnecting; a publish that throws or
 * rejects is logged (rate-limited) and counted as dropped.
 *
 * @example
 * ```ts
 * const output = publisherOutput({ publisher: { publish: ({ subject, payload }) => nc.publish(subject, payload) }, subject: "probe.web1" });
 * ```
 */
export function publisherOutput(options: PublisherOutputOptions): Output {
  const publisher = (options as Partial<PublisherOutputOptions>).publisher;
  if (typeof publisher?.publish !== "function") throw new InvalidOptionError("publisher", "must have a publish({ subject, payload }) method");
  const subject = options.subject ?? DEFAULT_SUBJECT;
  if (typeof subject === "string" ? subject === "" : typeof subject !== "function") {
    throw new InvalidOptionError("subject", "must be a non-empty string or a function of the message");
  }
  const subjectOf = typeof subject === "string" ? () => subject : subject;
  const logger = options.logger ?? silentLogger;
  const warn = new RateLimit(options.clock ?? systemClock, options.warnIntervalMs ?? 30_000);
  const pending = new PendingCounter();
  const encoder = new TextEncoder();
  const name = `publisher:${typeof subject === "string" ? subject : "*"}`;
  let closed = false;
  let sent = 0;
  let dropped = 0;
  const fail = (error: unknown): void => {
    dropped++;
    if (warn.allow()) logger.warn(`${name}: publish failed: ${errorText(error)}`);
  };
  return {
    name,
    send(message) {
      if (closed) throw new OutputClosedError(name);
      let result: unknown;
      try {
        result = publisher.publish({ subject: subjectOf(message), payload: encoder.encode(JSON.stringify(message)) });
      } catch (error) {
        fail(error);
        return;
      }
      if (!isThenable(result)) {
        sent++;
        return;
      }
      pending.add();
      result.then(
        () => {
          sent++;
          pending.done();
        },
        (error: unknown) => {
          fail(error);
          pending.done();
        },
      );
    },
    async flush(flushOptions = {}) {
      return pending.whenIdle(() => pending.count === 0, flushOptions.signal);
    },
    stats(): OutputStats {
      return { sent, dropped, pending: pending.count };
    },
    async close() {
      closed = true;
      await pending.whenIdle(() => pending.count === 0);
    },
    async [Symbol.asyncDispose]() {
      await this.close();
    },
  };
}
