import { constants, createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { checkOptionKeys, type Observable } from "@x/core";
import { InvalidOptionError, OutputError, UnsafeOutputPathError } from "../errors.js";
import { integerOption, stringOption } from "../internal/options.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseOutput, OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import type { Output } from "./output.js";

/** Bytes a stream may hold unwritten (a slow reader of stdout, a slow disk) before messages are dropped, by default: 20 MiB. */
export const DEFAULT_STREAM_BUFFER_BYTES = 20 * 1024 * 1024;

/** Permissions of a file that a file output creates, by default: 0600, readable and writable by the owner only. */
export const DEFAULT_FILE_MODE = 0o600;

/**
 * Append, create when missing, and never follow a symbolic link in the last component: in a
 * directory others can write, a planted link would redirect the output (as root, onto any file).
 */
const FILE_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** Events of a file output, observed with `output.on(event, listener)`. */
export interface StreamOutputEvents {
  /**
   * Opening or writing failed; the messages concerned are counted as dropped. For a file, the
   * error is an {@link UnsafeOutputPathError} when the path is a symbolic link.
   */
  failed: { readonly error: Error };
}

/** The option keys of every stream output. */
export const STREAM_OPTION_KEYS = [...OUTPUT_OPTION_KEYS, "bufferBytes"] as const;

/** Options of every stream output (stdout, a stream, a file). */
export interface StdoutOutputOptions extends OutputOptions {
  /**
   * Bytes the stream may hold unwritten while its reader (or disk) is slow; a message that would
   * go beyond is dropped and counted instead of growing memory without bound.
   * @default DEFAULT_STREAM_BUFFER_BYTES
   */
  readonly bufferBytes?: number;
}

/** Options for {@link streamOutput}. */
export interface StreamOutputOptions extends StdoutOutputOptions {
  /** Where lines are written. Required; never ended by the output: the caller owns it. */
  readonly stream: Writable;
  /** Name in logs. @default "stream" */
  readonly name?: string;
}

/** Options for {@link fileOutput}. */
export interface FileOutputOptions extends StdoutOutputOptions {
  /** File to append JSON lines to; created when missing. A symbolic link is refused. Required. */
  readonly path: string;
  /**
   * Permissions of the file when it is created (the umask can still remove bits); an existing
   * file keeps its own.
   * @default 0o600 ({@link DEFAULT_FILE_MODE})
   */
  readonly mode?: number;
}

/**
 * Writes JSON lines to a writable stream. A stream error (EPIPE on a closed stdout, a full disk)
 * is logged, and later messages are counted as dropped instead of crashing the probe (DumbProbe
 * crashed). When `open` is given (a file), the next message after an error opens a fresh stream.
 */
class StreamOutput extends BaseOutput<StreamOutputEvents> implements Output {
  readonly #open: (() => Writable) | undefined;
  readonly #describeError: (error: Error) => Error;
  readonly #bufferBytes: number;
  #stream: Writable | undefined;
  #broken = false;

  constructor(
    name: string,
    stream: Writable | (() => Writable),
    options: StdoutOutputOptions,
    describeError: (error: Error) => Error = (e) => e,
  ) {
    super(name, options);
    this.#describeError = describeError;
    this.#bufferBytes = integerOption("bufferBytes", options.bufferBytes, DEFAULT_STREAM_BUFFER_BYTES, 1);
    if (typeof stream === "function") {
      this.#open = stream;
    } else {
      this.#open = undefined;
      this.#attach(stream);
    }
  }

  protected deliver(_message: ProbeMessage, json: string): void {
    if (this.#stream === undefined && this.#open !== undefined) this.#attach(this.#open());
    const stream = this.#stream;
    if (this.#broken || stream === undefined) {
      this.countDropped(1);
      return;
    }
    const line = `${json}\n`;
    // A stream buffers whatever it is given; without this bound a stalled reader would make the
    // probe grow until it runs out of memory.
    if (stream.writableLength + line.length > this.#bufferBytes) {
      this.countDropped(1, new OutputError(`not keeping up (${stream.writableLength} bytes waiting); dropping messages`));
      return;
    }
    this.pending.add();
    stream.write(line, (error) => {
      if (error == null) this.countSent();
      else this.countDropped(1);
      this.pending.done();
    });
  }

  protected async shutdown(): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined || this.#open === undefined) return;
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
    stream.on("error", (cause) => {
      const error = this.#describeError(cause);
      this.events.emit("failed", { error });
      this.warnLimited({ error }, "write failed; dropping messages", "error");
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
  checkOptionKeys(options, [...STREAM_OPTION_KEYS, "stream", "name"], "streamOutput");
  const stream = (options as Partial<StreamOutputOptions> | undefined)?.stream;
  if (typeof stream?.write !== "function") throw new InvalidOptionError("stream", stream, "must be a writable stream");
  return new StreamOutput(stringOption("name", options.name, "stream"), stream, options);
}

/**
 * Writes JSON lines to the process's stdout, the default destination.
 *
 * @example
 * ```ts
 * const output = stdoutOutput();
 * ```
 */
export function stdoutOutput(options: StdoutOutputOptions = {}): Output {
  checkOptionKeys(options, STREAM_OPTION_KEYS, "stdoutOutput");
  return new StreamOutput("stdout", process.stdout, options);
}

/** A file output: an {@link Output} that also emits `failed` (see {@link StreamOutputEvents}). */
export interface FileOutput extends Output, Observable<StreamOutputEvents> {}

/**
 * Appends JSON lines to a file, created when missing with `mode` (0600 by default). A symbolic
 * link at the path is refused ({@link UnsafeOutputPathError}). A write error is logged, emitted
 * as `failed`, and the file is reopened on the next message, so a removed or rotated file is
 * recreated.
 *
 * @example
 * ```ts
 * const output = fileOutput({ path: "/var/lib/probe/messages.jsonl" });
 * ```
 */
export function fileOutput(options: FileOutputOptions): FileOutput {
  checkOptionKeys(options, [...STREAM_OPTION_KEYS, "path", "mode"], "fileOutput");
  const path = stringOption("path", (options as Partial<FileOutputOptions> | undefined)?.path);
  const mode = integerOption("mode", options.mode, DEFAULT_FILE_MODE, 0);
  if (mode > 0o777) throw new InvalidOptionError("mode", `0o${mode.toString(8)}`, "must be permission bits 0-0o777");
  const describeError = (error: Error): Error =>
    // With O_NOFOLLOW, Linux and macOS answer a final symbolic link with ELOOP, FreeBSD with EMLINK.
    (error as NodeJS.ErrnoException).code === "ELOOP" || (error as NodeJS.ErrnoException).code === "EMLINK"
      ? new UnsafeOutputPathError(path, "it is a symbolic link", { cause: error })
      : error;
  // Numeric flags are documented for every fs open ("File system flags"); @types/node types only strings here.
  const flags = FILE_FLAGS as unknown as string;
  return new StreamOutput(`file:${path}`, () => createWriteStream(path, { flags, mode }), options, describeError);
}
