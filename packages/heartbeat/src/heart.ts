import { clockOption, type Clock } from "./clock.js";
import { InvalidArgumentError } from "./errors.js";
import { asciiBytes, assertProcessName, HEARTBEAT_SUBJECT_PREFIX, payloadText, type HeartbeatKind } from "./protocol.js";
import { assertObject, assertPositiveSeconds, numberAtLeast } from "./validate.js";

/** Default for {@link HeartOptions.minIntervalMs}: beatit's one second. */
export const DEFAULT_MIN_INTERVAL_MS = 1000;

/**
 * What a {@link Heart} hands to its publisher. `S` is the subject's type: `Uint8Array` by
 * default, `string` with `subjectAsString: true`.
 */
export interface HeartbeatMessage<S extends Uint8Array | string = Uint8Array | string> {
  /** `heartbeat.<process>`: UTF-8 bytes, or a string when `subjectAsString` is set. */
  readonly subject: S;
  /** `start/<warmup>`, `beat/<period>`, `degraded/<period>` or `stop`, as UTF-8 bytes. */
  readonly payload: Uint8Array;
}

/**
 * Anything with a `publish({ subject, payload })` method: a NATS connection behind a one-line
 * adapter, an MQTT client, a test recorder. When `publish` returns a promise, the heart's methods
 * return one too; otherwise they return nothing. `R` is the return type of `publish`.
 */
export interface HeartbeatPublisher<R = unknown, S extends Uint8Array | string = Uint8Array | string> {
  /** Sends one heartbeat. A returned promise (or thenable) is what the heart's method returns. */
  publish(message: HeartbeatMessage<S>): R;
}

/**
 * What the heart's methods return for a publisher whose `publish` returns `R`: a promise for
 * async publishers, nothing for sync ones (a primitive or nothing cannot be a promise), and
 * either when the type does not say (`unknown`, or an object that might be a thenable).
 */
/* eslint-disable @typescript-eslint/no-invalid-void-type -- `void` is the honest type of "returns
   nothing"; `undefined` would make callers' lint flag every statement-level call. */
export type HeartbeatResult<R> = R extends PromiseLike<unknown>
  ? Promise<void>
  : R extends Primitive
    ? void
    : Promise<void> | void;

type Primitive = string | number | bigint | boolean | symbol | null | undefined | void;
/* eslint-enable @typescript-eslint/no-invalid-void-type */

/**
 * Options of {@link Heart}. With `subjectAsString: true` the publisher receives the subject as a
 * string, otherwise as bytes; the publisher's type follows.
 */
export type HeartOptions<R = unknown> = HeartCommonOptions &
  (
    | {
        /** Where heartbeats go; the subject arrives as bytes. */
        readonly publisher: HeartbeatPublisher<R, Uint8Array>;
        /** Pass the subject as a string instead of bytes. @default false */
        readonly subjectAsString?: false;
      }
    | {
        /** Where heartbeats go; the subject arrives as a string. */
        readonly publisher: HeartbeatPublisher<R, string>;
        /** Pass the subject as a string instead of bytes. @default false */
        readonly subjectAsString: true;
      }
  );

/** The options of {@link Heart} that do not depend on the subject's type. */
export interface HeartCommonOptions {
  /**
   * The process name: non-empty `.`-separated tokens without whitespace, control or invisible
   * format characters, lone surrogates, `*` or `>` (see `processNameProblem`).
   */
  readonly process: string;
  /**
   * A repeat of the same kind and period within this many milliseconds is not published. A
   * change of kind or period always is. The window is never longer than the period itself.
   * @default 1000 ({@link DEFAULT_MIN_INTERVAL_MS})
   */
  readonly minIntervalMs?: number;
  /** Monotonic milliseconds. @default `performance.now()` */
  readonly clock?: Clock;
}

/** The last heartbeat handed to the publisher, which decides whether a repeat is suppressed. */
interface LastPublish {
  readonly kind: HeartbeatKind;
  readonly seconds: number | undefined;
  readonly at: number;
}

/**
 * Publishes heartbeats about one process, following the beatit convention: subject
 * `heartbeat.<process>`, payloads `start/<warmup>`, `beat/<period>`, `degraded/<period>` and
 * `stop`. Warmup and period are in seconds.
 *
 * @example
 * ```ts
 * const heart = new Heart({ process: "billing.worker.1", publisher });
 * heart.start({ warmup: 60 });
 * heart.beat({ period: 5 });
 * heart.stop();
 * ```
 */
export class Heart<R = unknown> {
  /** The process this heart speaks for. */
  readonly process: string;
  /** The subject every heartbeat is published on, as handed to the publisher. */
  readonly subject: Uint8Array | string;
  /** The effective rate-limiting window in milliseconds. */
  readonly minIntervalMs: number;
  readonly #publisher: HeartbeatPublisher<R>;
  readonly #clock: Clock;
  #last: LastPublish | undefined;
  /**
   * Whether the last publish returned a thenable. A suppressed call of an async heart still
   * returns a promise, as its type says; the first rate-limited call always publishes, so this
   * is known before anything can be suppressed.
   */
  #async = false;

  constructor(options: HeartOptions<R>) {
    assertObject(options, "options");
    const { process, publisher, subjectAsString = false } = options;
    assertProcessName(process, "process");
    if (typeof (publisher as Partial<HeartbeatPublisher> | undefined)?.publish !== "function") {
      throw new InvalidArgumentError("publisher", publisher, "must have a publish({ subject, payload }) method");
    }
    if (typeof subjectAsString !== "boolean") {
      throw new InvalidArgumentError("subjectAsString", subjectAsString, "must be a boolean");
    }
    this.process = process;
    this.minIntervalMs = numberAtLeast(options.minIntervalMs, DEFAULT_MIN_INTERVAL_MS, 0, "minIntervalMs");
    this.#publisher = publisher;
    this.#clock = clockOption(options.clock);
    const subject = HEARTBEAT_SUBJECT_PREFIX + process;
    this.subject = subjectAsString ? subject : new TextEncoder().encode(subject);
  }

  /** Announces a (re)start; a `beat` or `degraded` is expected within `warmup` seconds. Never rate-limited. */
  start(options: { readonly warmup: number }): HeartbeatResult<R> {
    assertObject(options, "start() options");
    assertPositiveSeconds(options.warmup, "warmup");
    return this.#send("start", options.warmup, false);
  }

  /** Reports health; the next `beat` is expected within `period` seconds. */
  beat(options: { readonly period: number }): HeartbeatResult<R> {
    assertObject(options, "beat() options");
    assertPositiveSeconds(options.period, "period");
    return this.#send("beat", options.period, true);
  }

  /** Reports degraded health; a `beat` or `degraded` is expected within `period` seconds. */
  degraded(options: { readonly period: number }): HeartbeatResult<R> {
    assertObject(options, "degraded() options");
    assertPositiveSeconds(options.period, "period");
    return this.#send("degraded", options.period, true);
  }

  /** Announces a graceful stop. Never rate-limited. */
  stop(): HeartbeatResult<R> {
    return this.#send("stop", undefined, false);
  }

  #send(kind: HeartbeatKind, seconds: number | undefined, limited: boolean): HeartbeatResult<R> {
    const now = this.#clock();
    const previous = this.#last;
    if (limited && previous?.kind === kind && previous.seconds === seconds) {
      // A window longer than the period would hide beats the consumer is told to expect.
      const window = Math.min(this.minIntervalMs, (seconds ?? Infinity) * 1000);
      const elapsed = now - previous.at;
      // A negative elapsed time means an injected clock went backwards: publish rather than
      // stay silent until it catches up (beatit's failure with time.time()).
      if (elapsed >= 0 && elapsed < window) return (this.#async ? Promise.resolve() : undefined) as HeartbeatResult<R>;
    }
    // Claimed before publishing so that concurrent async calls cannot both get through;
    // given back if the publish fails, so a failure does not use up the window.
    const claimed: LastPublish = { kind, seconds, at: now };
    this.#last = claimed;
    const giveBack = (): void => {
      if (this.#last === claimed) this.#last = previous;
    };
    let result: unknown;
    try {
      result = this.#publisher.publish({ subject: this.subject, payload: asciiBytes(payloadText(kind, seconds)) });
    } catch (error) {
      giveBack();
      throw error;
    }
    this.#async = isThenable(result);
    if (!this.#async) return undefined as HeartbeatResult<R>;
    return Promise.resolve(result as PromiseLike<unknown>).then(
      () => undefined,
      (error: unknown) => {
        giveBack();
        throw error;
      },
    ) as HeartbeatResult<R>;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (typeof value !== "object" && typeof value !== "function") return false;
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
