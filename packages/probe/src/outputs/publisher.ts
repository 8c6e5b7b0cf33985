import { checkOptionKeys, describeValue } from "@x/core";
import { InvalidOptionError, OutputError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import { isThenable } from "../internal/thenable.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseOutput, OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import type { Output } from "./output.js";

/** What a {@link Publisher} is handed: the subject and the JSON bytes of one message. */
export interface PublishedMessage {
  /** The subject (`probe` by default, or what the `subject` option computed). */
  readonly subject: string;
  /** The message as UTF-8 JSON, without a trailing newline. */
  readonly payload: Uint8Array;
}

/**
 * Anything with `publish({ subject, payload })` (the convention `@x/heartbeat` uses too). A NATS
 * connection fits behind one line: `{ publish: ({ subject, payload }) => nc.publish(subject, payload) }`.
 * A returned promise is awaited by `flush()`; its rejection counts as a dropped message.
 */
export interface Publisher {
  /** Publishes one message; may return a promise, which `flush()` waits for. */
  publish(message: PublishedMessage): unknown;
}

/** Subject of published messages when the options give none. */
export const DEFAULT_SUBJECT = "probe";

/** Options for {@link publisherOutput}. */
export interface PublisherOutputOptions extends OutputOptions {
  /** Receives every message. Required. */
  readonly publisher: Publisher;
  /** A subject, or a function of the message that returns one. @default DEFAULT_SUBJECT */
  readonly subject?: string | ((message: ProbeMessage) => string);
}

/**
 * Hands each message (JSON, no newline) to a publisher. The publisher does its own buffering and
 * reconnecting; a publish that throws or rejects is logged (rate-limited) and counted as dropped.
 * `close()` does not wait for publishes in flight (a publisher may never settle): `flush()` first.
 */
class PublisherOutput extends BaseOutput implements Output {
  readonly #publisher: Publisher;
  readonly #subjectOf: (message: ProbeMessage) => unknown;
  readonly #encoder = new TextEncoder();

  constructor(name: string, publisher: Publisher, subjectOf: (message: ProbeMessage) => unknown, options: OutputOptions) {
    super(name, options);
    this.#publisher = publisher;
    this.#subjectOf = subjectOf;
  }

  protected deliver(message: ProbeMessage, json: string): void {
    let result: unknown;
    try {
      const subject = this.#subjectOf(message);
      if (typeof subject !== "string" || subject === "")
        throw new OutputError(`the subject function returned ${describeValue(subject, 60)}, not a subject`);
      result = this.#publisher.publish({ subject, payload: this.#encoder.encode(json) });
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (!isThenable(result)) {
      this.countSent();
      return;
    }
    this.pending.add();
    result.then(
      () => {
        this.countSent();
        this.pending.done();
      },
      (error: unknown) => {
        this.#failed(error);
        this.pending.done();
      },
    );
  }

  protected async shutdown(): Promise<void> {
    // Nothing to release: the publisher belongs to the caller.
  }

  #failed(error: unknown): void {
    this.countDropped(1, new OutputError(`publish failed: ${errorText(error)}`, { cause: error }));
  }
}

/**
 * An output that hands each message to a publisher such as a NATS connection.
 *
 * @example
 * ```ts
 * const output = publisherOutput({ publisher: { publish: ({ subject, payload }) => nc.publish(subject, payload) }, subject: "probe.web1" });
 * ```
 */
export function publisherOutput(options: PublisherOutputOptions): Output {
  checkOptionKeys(options, [...OUTPUT_OPTION_KEYS, "publisher", "subject"], "publisherOutput");
  const publisher = (options as Partial<PublisherOutputOptions> | undefined)?.publisher;
  if (typeof publisher?.publish !== "function")
    throw new InvalidOptionError("publisher", publisher, "must have a publish({ subject, payload }) method");
  const subject = options.subject ?? DEFAULT_SUBJECT;
  if (typeof subject === "string" ? subject === "" : typeof subject !== "function") {
    throw new InvalidOptionError("subject", subject, "must be a non-empty string or a function of the message");
  }
  const subjectOf = typeof subject === "string" ? () => subject : subject;
  return new PublisherOutput(`publisher:${typeof subject === "string" ? subject : "*"}`, publisher, subjectOf, options);
}
