import { durationMsOption, InvalidOptionError, type TimeSource, timeSourceOption } from "@x/core";
import { checkOptions, DEFAULT_MIN_INTERVAL_MS, positiveDurationMs } from "./options.js";
import { asciiBytes, assertProcessName, HEARTBEAT_SUBJECT_PREFIX, type HeartbeatKind, payloadText } from "./protocol.js";
import { countBeat } from "./telemetry.js";

const HEART_OPTIONS = ["process", "publisher", "subjectAsString", "minIntervalMs", "time"];

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
export type HeartbeatResult<R> = R extends PromiseLike<unknown> ? Promise<void> : R extends Primitive ? void : Promise<void> | void;

type Primitive = string | number | bigint | boolean | symbol | null | undefined | void;
/* eslint-enable @typescript-eslint/no-invalid-void-type */

/**
 * Options of {@link createHeart}. With `subjectAsString: true` the publisher receives the subject as a
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

/** The options of {@link createHeart} that do not depend on the subject's type. */
export interface HeartCommonOptions {
  /**
   * The process name: non-empty `.`-separated tokens without whitespace, control or invisible
   * format characters, lone surrogates, `*` or `>` (see `processNameProblem`).
   */
  readonly process: string;
  /**
   * A repeat of the same kind and period within this many milliseconds is not published. A
   * change of kind or period always is. The window is never longer than the period itself.
   * @default 1000
   */
  readonly minIntervalMs?: number;
  /** Where the rate limiting reads the time (only its monotonic `now()`). @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

/** Options of {@link Heart.start}. */
export interface StartOptions {
  /** A `beat` or `degraded` is expected within this many milliseconds; sent in seconds (`start/60`). */
  readonly warmupMs: number;
}

/** Options of {@link Heart.beat} and {@link Heart.degraded}. */
export interface PulseOptions {
  /** The next `beat` or `degraded` is expected within this many milliseconds; sent in seconds (`beat/5`). */
  readonly periodMs: number;
}

/** The last heartbeat handed to the publisher, which decides whether a repeat is suppressed. */
interface LastPublish {
  readonly kind: HeartbeatKind;
  readonly ms: number | undefined;
  readonly at: number;
}

/**
 * Publishes heartbeats about one process, following the beatit convention: subject
 * `heartbeat.<process>`, payloads `start/<warmup>`, `beat/<period>`, `degraded/<period>` and
 * `stop`. Warmups and periods are given in milliseconds and sent in seconds, as beatit does.
 * Made by {@link createHeart}.
 *
 * @example
 * ```ts
 * const heart = createHeart({ process: "billing.worker.1", publisher });
 * heart.start({ warmupMs: 60_000 }); // start/60
 * heart.beat({ periodMs: 5_000 }); // beat/5
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
  readonly #time: TimeSource;
  #last: LastPublish | undefined;
  /**
   * Whether the last publish returned a thenable. A suppressed call of an async heart still
   * returns a promise, as its type says; the first rate-limited call always publishes, so this
   * is known before anything can be suppressed.
   */
  #async = false;

  /** Use {@link createHeart}. */
  constructor(options: HeartOptions<R>) {
    checkOptions(options, HEART_OPTIONS, "createHeart", true);
    const { process, publisher, subjectAsString = false } = options;
    assertProcessName(process);
    if (typeof (publisher as Partial<HeartbeatPublisher> | undefined)?.publish !== "function") {
      throw new InvalidOptionError("publisher", publisher, "must have a publish({ subject, payload }) method");
    }
    if (typeof subjectAsString !== "boolean") {
      throw new InvalidOptionError("subjectAsString", subjectAsString, "must be a boolean");
    }
    this.process = process;
    this.minIntervalMs = durationMsOption("minIntervalMs", options.minIntervalMs, DEFAULT_MIN_INTERVAL_MS);
    this.#publisher = publisher;
    this.#time = timeSourceOption(options.time);
    const subject = HEARTBEAT_SUBJECT_PREFIX + process;
    this.subject = subjectAsString ? subject : new TextEncoder().encode(subject);
  }

  /** Announces a (re)start: `start/<warmup in seconds>`; a `beat` or `degraded` is expected within `warmupMs`. Never rate-limited. */
  start(options: StartOptions): HeartbeatResult<R> {
    checkOptions(options, ["warmupMs"], "start", true);
    return this.#send("start", positiveDurationMs("warmupMs", options.warmupMs), false);
  }

  /** Reports health: `beat/<period in seconds>`; the next `beat` is expected within `periodMs`. */
  beat(options: PulseOptions): HeartbeatResult<R> {
    checkOptions(options, ["periodMs"], "beat", true);
    return this.#send("beat", positiveDurationMs("periodMs", options.periodMs), true);
  }

  /** Reports degraded health: `degraded/<period in seconds>`; a `beat` or `degraded` is expected within `periodMs`. */
  degraded(options: PulseOptions): HeartbeatResult<R> {
    checkOptions(options, ["periodMs"], "degraded", true);
    return this.#send("degraded", positiveDurationMs("periodMs", options.periodMs), true);
  }

  /** Announces a graceful stop. Never rate-limited. */
  stop(): HeartbeatResult<R> {
    return this.#send("stop", undefined, false);
  }

  #send(kind: HeartbeatKind, ms: number | undefined, limited: boolean): HeartbeatResult<R> {
    const now = this.#time.now();
    const previous = this.#last;
    if (limited && previous?.kind === kind && previous.ms === ms) {
      // A window longer than the period would hide beats the consumer is told to expect.
      const window = Math.min(this.minIntervalMs, ms ?? Infinity);
      const elapsed = now - previous.at;
      // A negative elapsed time means an injected time source went backwards: publish rather
      // than stay silent until it catches up (beatit's failure with a wall clock).
      if (elapsed >= 0 && elapsed < window) return (this.#async ? Promise.resolve() : undefined) as HeartbeatResult<R>;
    }
    // Claimed before publishing so that concurrent async calls cannot both get through;
    // given back if the publish fails, so a failure does not use up the window.
    const claimed: LastPublish = { kind, ms, at: now };
    this.#last = claimed;
    const giveBack = (): void => {
      if (this.#last === claimed) this.#last = previous;
    };
    let result: unknown;
    try {
      result = this.#publisher.publish({
        subject: this.subject,
        payload: asciiBytes(payloadText(kind, ms === undefined ? undefined : ms / 1000)),
      });
    } catch (error) {
      giveBack();
      throw error;
    }
    this.#async = isThenable(result);
    if (!this.#async) {
      countBeat(this.process, kind);
      return undefined as HeartbeatResult<R>;
    }
    return Promise.resolve(result as PromiseLike<unknown>).then(
      () => {
        countBeat(this.process, kind);
      },
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

/**
 * A heart for one process: publishes `start`, `beat`, `degraded` and `stop` on
 * `heartbeat.<process>` through `options.publisher`. Checks every option up front (an unknown
 * key, a bad value: `InvalidOptionError`; a name a monitor would refuse: `InvalidProcessNameError`).
 */
export function createHeart<R = unknown>(options: HeartOptions<R>): Heart<R> {
  return new Heart(options);
}
