import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { systemClock, type Clock } from "../clock.js";
import { InvalidOptionError, OutputClosedError } from "../errors.js";
import { stringOption } from "../internal/options.js";
import { errorText, silentLogger, type Logger } from "../logger.js";
import type { ProbeMessage } from "../message/types.js";
import { encodeLine, type Output, type OutputStats } from "./output.js";
import { PendingCounter } from "./pending.js";
import { RateLimit } from "./rate-limit.js";

/** Options for {@link streamOutput}. */
export interface StreamOutputOptions {
  /** Where lines are written. Never ended by the output: the caller owns it. */
  readonly stream: Writable;
  /** Name in logs. @default "stream" */
  readonly name?: string;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** Options for {@link fileOutput}. */
export interface FileOutputOptions {
  /** File to append JSON lines to; created when missing. */
  readonly path: string;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** For the rate limit of repeated warnings. @default systemClock */
  readonly clock?: Clock;
}

/**
 * Writes JSON lines to a writable stream. A stream error (EPIPE on a closed stdout, a full disk)
 * is logged once, and later messages are counted as dropped instead of crashing the probe
 * (DumbProbe crashed). When `reopen` is given, the next message after an error opens a fresh
 * stream.
 */
class StreamOutput implements Output {
  readonly name: string;
  readonly #logger: Logger;
  readonly #pending = new PendingCounter();
  readonly #open: (() => Writable) | undefined;
  readonly #owned: boolean;
  readonly #warn: RateLimit;
  #stream: Writable | undefined;
  #broken = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #sent = 0;
  #dropped = 0;

  constructor(name: string, stream: Writable | (() => Writable), logger: Logger, clock: Clock) {
    this.name = name;
    this.#logger = logger;
    this.#warn = new RateLimit(clock, 30_000);
    if (typeof stream === "function") {
      this.#open = stream;
      this.#owned = true;
    } else {
      this.#open = undefined;
      this.#owned = false;
      this.#attach(stream);
    }
  }

  send(message: ProbeMessage): void {
    if (this.#closed) throw new OutputClosedError(this.name);
    if (this.#stream === undefined && this.#open !== undefined) this.#attach(this.#open());
    const stream = this.#stream;
    if (this.#broken || stream === undefined) {
      this.#dropped++;
      return;
    }
    this.#pending.add();
    stream.write(encodeLine(message), (error) => {
      if (error == null) this.#sent++;
      else this.#dropped++;
      this.#pending.done();
    });
  }

  async flush(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    return this.#pending.whenIdle(() => this.#pending.count === 0, options.signal);
  }

  stats(): OutputStats {
    return { sent: this.#sent, dropped: this.#dropped, pending: this.#pending.count };
  }

  async close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    const stream = this.#stream;
    if (stream === undefined || !this.#owned) return;
    await new Promise<void>((resolve) => {
      stream.end(() => {
        resolve();
      });
      stream.once("error", () => {
        resolve();
      });
    });
  }

  #attach(stream: Writable): void {
    this.#stream = stream;
    this.#broken = false;
    stream.on("error", (error) => {
      if (this.#warn.allow()) this.#logger.error(`${this.name}: write failed: ${errorText(error)}; dropping messages`);
      if (this.#open === undefined) {
        this.#broken = true;
      } else {
        // An owned stream (a file) is reopened by the next message.
        this.#stream = undefined;
        stream.destroy();
      }
    });
  }
}

/**
 * Writes JSON lines to any writable stream (the caller keeps ownership).
 *
 * @example
 * ```ts
 * const output = streamOutput({ stream: process.stderr, name: "stderr" });
 * ```
 */
export function streamOutput(options: StreamOutputOptions): Output {
  const stream = (options as Partial<StreamOutputOptions>).stream;
  if (typeof stream?.write !== "function") throw new InvalidOptionError("stream", "must be a writable stream");
  return new StreamOutput(options.name ?? "stream", stream, options.logger ?? silentLogger, systemClock);
}

/**
 * Writes JSON lines to the process's stdout, the default destination.
 *
 * @example
 * ```ts
 * const output = stdoutOutput();
 * ```
 */
export function stdoutOutput(options: { readonly logger?: Logger } = {}): Output {
  return new StreamOutput("stdout", process.stdout, options.logger ?? silentLogger, systemClock);
}

/**
 * Appends JSON lines to a file (created when missing). A write error is logged and the file is
 * reopened on the next message, so a removed or rotated file is recreated.
 *
 * @example
 * ```ts
 * const output = fileOutput({ path: "/var/lib/probe/messages.jsonl" });
 * ```
 */
export function fileOutput(options: FileOutputOptions): Output {
  const path = stringOption("path", (options as Partial<FileOutputOptions>).path);
  return new StreamOutput(`file:${path}`, () => createWriteStream(path, { flags: "a" }), options.logger ?? silentLogger, options.clock ?? systemClock);
}
