import type { ChildProcess } from "node:child_process";
import { checkOptionKeys } from "@x/core";
import type { CheckOutput, Handle, HandleContext } from "../contract.js";
import { HandleEofError, HandleReadError, InvalidOptionError } from "../errors.js";
import {
  type Command,
  commandArgv,
  commandText,
  killGroup,
  type SpawnCommandOptions,
  signalNumber,
  spawnCommand,
  spawnOptions,
} from "../internal/command.js";
import { errorText } from "../internal/error-text.js";
import { integerOption, stringOption } from "../internal/options.js";
import { LineBuffer } from "./line-buffer.js";

/** Longest line a shell stream accepts, by default: 1 MiB (characters). */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
/** How long to wait for the exit status after the child closes stdout, to report how it ended. */
const EXIT_GRACE_MS = 200;

/** Turns one line into messages; `undefined` or `null` means "nothing", a list is several. */
export type ParseLine = (line: string) => unknown;

/** Options for {@link shellStream}. */
export interface ShellStreamOptions extends SpawnCommandOptions {
  /** Parses each line. @default JSON.parse */
  readonly parse?: ParseLine;
  /** Name in logs. @default the command */
  readonly name?: string;
  /** Longest accepted line (characters); longer lines are dropped and reported. @default DEFAULT_MAX_LINE_LENGTH */
  readonly maxLineLength?: number;
}

/**
 * A handle that runs a long-lived command and turns each line it prints into messages
 * (DumbProbe's `ShellStream`). Partial lines wait for their newline; a line that fails to parse
 * is reported and skipped, the others still go out. When the command ends, `readMessages()`
 * throws {@link HandleEofError} ("child process terminated; exit code 1", ...) and the scheduler
 * reopens it with backoff, which starts the command again.
 */
export class ShellStream implements Handle {
  /** The command, as given. */
  readonly command: Command;
  readonly #parse: ParseLine;
  readonly #name: string;
  readonly #maxLineLength: number;
  readonly #spawn: SpawnCommandOptions;
  #child: ChildProcess | undefined;
  #lines: LineBuffer | undefined;
  #context: HandleContext | undefined;
  #stdoutEnded = false;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(command: Command, options: ShellStreamOptions = {}) {
    commandArgv(command);
    if (typeof options !== "object" || (options as unknown) === null) throw new InvalidOptionError("options", options, "must be an object");
    if (options.parse !== undefined && typeof options.parse !== "function")
      throw new InvalidOptionError("parse", options.parse, "must be a function");
    this.command = command;
    this.#parse = options.parse ?? ((line) => JSON.parse(line) as unknown);
    this.#name = options.name === undefined ? commandText(command) : stringOption("name", options.name);
    this.#maxLineLength = integerOption("maxLineLength", options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 1);
    this.#spawn = spawnOptions(options);
  }

  /** The name in logs: the `name` option, or the command. */
  checkName(): string {
    return this.#name;
  }

  /** Starts the command (closing a previous one first); rejects when it cannot be started. */
  async open(context: HandleContext): Promise<void> {
    await this.close();
    const child = spawnCommand(this.command, this.#spawn);
    const lines = new LineBuffer(this.#maxLineLength);
    this.#child = child;
    this.#lines = lines;
    this.#context = context;
    this.#stdoutEnded = false;
    this.#exit = undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", reject);
      });
    } catch (error) {
      // Never started: there is nothing to close next time.
      this.#child = undefined;
      this.#lines = undefined;
      throw error;
    }
    child.on("error", () => undefined); // later errors (a failed kill) surface as EOF instead
    child.stdout?.on("data", (chunk: Buffer) => {
      if (lines.push(chunk)) context.readable();
    });
    child.stdout?.once("end", () => {
      lines.end();
      this.#stdoutEnded = true;
      if (this.#exit !== undefined) context.readable();
      // Give the exit status a moment to arrive, so EOF can say how the child ended.
      else
        setTimeout(() => {
          context.readable();
        }, EXIT_GRACE_MS).unref();
    });
    child.stderr?.resume(); // drained; a stream's stderr is not part of its messages
    child.once("exit", (code: number | null, signal: NodeJS.Signals | null) => {
      this.#exit = { code, signal };
      if (this.#stdoutEnded) context.readable();
    });
  }

  /** Every message from the complete lines so far; throws {@link HandleEofError} once drained at EOF. */
  readMessages(): CheckOutput {
    const buffer = this.#lines;
    if (buffer === undefined) throw new HandleEofError("not open");
    const dropped = buffer.takeDropped();
    if (dropped > 0)
      this.#context?.reportError(new HandleReadError(`dropped ${dropped} line(s) longer than ${this.#maxLineLength} characters`));
    const lines = buffer.take();
    if (lines.length === 0 && this.#stdoutEnded) throw new HandleEofError(this.#eofText());
    const messages: unknown[] = [];
    for (const line of lines) {
      let parsed: unknown;
      try {
        parsed = this.#parse(line);
      } catch (error) {
        this.#context?.reportError(
          new HandleReadError(`cannot parse line ${JSON.stringify(line.slice(0, 200))}: ${errorText(error)}`, { cause: error }),
        );
        continue;
      }
      if (parsed === undefined || parsed === null) continue;
      if (Array.isArray(parsed)) messages.push(...(parsed as unknown[]));
      else messages.push(parsed);
    }
    // The EOF is reported on the next read, once these lines are out.
    if (this.#stdoutEnded) this.#context?.readable();
    return messages as CheckOutput;
  }

  /** Kills the command's process group and forgets it. Idempotent. */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    child.stdout?.removeAllListeners("data");
    const exited =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) =>
            child.once("exit", () => {
              resolve();
            }),
          );
    killGroup(child, "SIGTERM");
    const force = setTimeout(() => {
      killGroup(child, "SIGKILL");
    }, 2_000);
    await exited;
    clearTimeout(force);
    child.stdout?.destroy();
    child.stderr?.destroy();
  }

  #eofText(): string {
    const exit = this.#exit;
    if (exit === undefined) return "child process closed its STDOUT";
    if (exit.signal !== null) return `child process died; signal ${signalNumber(exit.signal)}`;
    if (exit.code === 0) return "child process terminated";
    return `child process terminated; exit code ${String(exit.code)}`;
  }
}

/**
 * A handle that streams messages from a long-lived command, one JSON document per line.
 *
 * @example
 * ```ts
 * const events = shellStream("tail -F /var/log/app/events.jsonl");
 * ```
 */
export function shellStream(command: Command, options: ShellStreamOptions = {}): Handle {
  checkOptionKeys(options, ["parse", "name", "maxLineLength", "env", "cwd"], "shellStream");
  return new ShellStream(command, options);
}
