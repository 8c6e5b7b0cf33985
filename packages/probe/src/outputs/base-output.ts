import {
  durationMsOption,
  Emitter,
  type Listener,
  type LogFields,
  type Logger,
  loggerOption,
  type TimeSource,
  timeSourceOption,
  type Unsubscribe,
} from "@x/core";
import { OutputClosedError, OutputError } from "../errors.js";
import { Closable } from "../internal/closable.js";
import { errorText } from "../internal/error-text.js";
import { PendingCounter } from "../internal/pending.js";
import { RateLimit } from "../internal/rate-limit.js";
import type { ProbeMessage } from "../message/types.js";
import { countDropped } from "../telemetry.js";
import type { Output, OutputStats } from "./output.js";

/** Repeated warnings of an output (drops, failed writes, failed reconnects) are logged at most this often, by default: 30 s (DumbProbe's rule). */
export const DEFAULT_WARN_INTERVAL_MS = 30_000;

/** Options every output takes. */
export interface OutputOptions {
  /** Receives the output's log lines. @default none: nothing is logged */
  readonly logger?: Logger;
  /** Repeated warnings (drops, failed writes, failed reconnects) are logged at most once per this many ms. @default DEFAULT_WARN_INTERVAL_MS */
  readonly warnIntervalMs?: number;
  /** Time source of the warning rate limit (and of the connection outputs' timers). @default `@x/core`'s systemTime */
  readonly time?: TimeSource;
}

/** The option keys every output takes. */
export const OUTPUT_OPTION_KEYS = ["logger", "warnIntervalMs", "time"] as const;

/** The events of an output that emits none. */
type NoEvents = Record<string, never>;

/**
 * What every output shares: `send()` refuses after `close()`, encodes the message (a message
 * that cannot be encoded, say with a cycle, is dropped and logged instead of thrown), and
 * counts; `flush()` waits for the deliveries in flight; warnings are rate-limited.
 */
export abstract class BaseOutput<Events extends object = NoEvents> extends Closable implements Output {
  /** E.g. `stdout`, `tcp:127.0.0.1:5000`. */
  readonly name: string;
  /** Receives the output's log lines. */
  protected readonly logger: Logger;
  /** Time source for rate limits and timers. */
  protected readonly time: TimeSource;
  /** The output's events; `on()` subscribes to them. */
  protected readonly events: Emitter<Events>;
  /** Deliveries in flight; `flush()` waits for them. */
  protected readonly pending = new PendingCounter();
  readonly #warnLimit: RateLimit;
  #sent = 0;
  #dropped = 0;

  protected constructor(name: string, options: OutputOptions) {
    super();
    this.name = name;
    this.logger = loggerOption(options.logger);
    this.time = timeSourceOption(options.time);
    this.events = new Emitter<Events>({ logger: this.logger });
    this.#warnLimit = new RateLimit(this.time, durationMsOption("warnIntervalMs", options.warnIntervalMs, DEFAULT_WARN_INTERVAL_MS));
  }

  /** Subscribes to one of the output's events; returns the function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Queues or writes one message; throws `OutputClosedError` after `close()`, never for I/O trouble. */
  send(message: ProbeMessage): void {
    if (this.closed) throw new OutputClosedError(this.name);
    let json: unknown;
    try {
      json = JSON.stringify(message);
    } catch (error) {
      this.countDropped(1, new OutputError(`cannot encode a message as JSON: ${errorText(error)}`, { cause: error }));
      return;
    }
    if (typeof json !== "string") {
      this.countDropped(1, new OutputError("cannot encode a message as JSON: it encodes to nothing"));
      return;
    }
    this.deliver(message, json);
  }

  /** Resolves when nothing is pending; rejects with the signal's reason when it aborts first. */
  async flush(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    return this.pending.whenIdle(() => this.idle(), options.signal);
  }

  /** Counters since the output was created. */
  stats(): OutputStats {
    return { sent: this.#sent, dropped: this.#dropped, pending: this.pendingCount() };
  }

  /** Hands one message on; `json` is its encoding, without a newline. Never throws for I/O trouble. */
  protected abstract deliver(message: ProbeMessage, json: string): void;

  /** Whether nothing waits to be delivered. */
  protected idle(): boolean {
    return this.pending.count === 0;
  }

  /** Messages waiting to be delivered. */
  protected pendingCount(): number {
    return this.pending.count;
  }

  /** Counts one delivered message. */
  protected countSent(): void {
    this.#sent++;
  }

  /** Counts messages given up on and, when `error` is given, logs it (rate-limited). */
  protected countDropped(count: number, error?: Error): void {
    this.#dropped += count;
    countDropped(this.name, count);
    if (error !== undefined) this.warnLimited({ error, dropped: count }, "message dropped");
  }

  /**
   * Logs a line with the output's name unless a warning went out within `warnIntervalMs`;
   * returns whether it did.
   */
  protected warnLimited(fields: LogFields, message: string, level: "warn" | "error" = "warn"): boolean {
    if (!this.#warnLimit.allow()) return false;
    this.logger[level]({ output: this.name, ...fields }, message);
    return true;
  }
}
