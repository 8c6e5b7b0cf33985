import type { Readable } from "node:stream";
import { createMessage, encodeToString, type Message, type QueueAdapter, toMessageInit } from "@x/message";
import { describeError } from "../describe-error.js";
import type { OptionSpecs, ParsedArgs } from "./args.js";
import type { ProgressStream } from "./progress.js";

/** The process around the CLI: injectable so the commands never touch globals directly. */
export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  /** What `put --from -` reads. */
  readonly stdin?: Readable;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `import.meta.url` of the CLI entry point: adapters are also looked up next to it. */
  readonly cliUrl: string;
}

/** What a command does once its queue is open; resolves to the exit code. */
export type QueueTask = (queue: QueueAdapter) => Promise<number>;

/** One `x-queue` command. */
export interface Command {
  /** The argument part of its usage line: `[--max <n>]`. */
  readonly usage: string;
  /** One line for the help text. */
  readonly summary: string;
  readonly options: OptionSpecs;
  /**
   * Reads the queue without changing it (`stats`, `list`, `peek`): a queue that does not exist is
   * reported (exit 1) instead of being created.
   */
  readonly readOnly?: boolean;
  /** Rewrites the arguments before they are parsed (an old spelling that parseArgs cannot express). */
  rewriteArgs?(args: readonly string[]): string[];
  /** Checks the arguments before the queue is opened (usage errors never touch the queue). */
  prepare(parsed: ParsedArgs, io: CliIo): QueueTask;
}

/** A message as {@link formatMessage} shows it, and why it could not be shown in full. */
export interface FormattedMessage {
  readonly text: string;
  /** Set when the message cannot be written as a message (or read back as one). */
  readonly problem?: string;
}

/** JSON would write these as null, which is not what the job holds. */
const markNonFinite = (_key: string, value: unknown): unknown =>
  typeof value === "number" && !Number.isFinite(value) ? `<${String(value)}: not JSON>` : value;

/** One value as JSON shows it, or a note in its place when it cannot be shown. */
function shown(value: unknown): unknown {
  try {
    // undefined for what JSON leaves out (a function, undefined), whatever its declared type says.
    const text = (value instanceof Date ? JSON.stringify(value.toISOString()) : JSON.stringify(value, markNonFinite)) as string | undefined;
    return text === undefined ? `<${typeof value}: not JSON>` : (JSON.parse(text) as unknown);
  } catch (error) {
    return `<cannot be shown: ${describeError(error, 200)}>`;
  }
}

function fieldByField(message: Message): string {
  const { requestType, ...rest } = message.header;
  const header: Record<string, unknown> = requestType === undefined ? {} : { request_type: shown(requestType) };
  for (const key of Object.keys(rest)) header[key] = shown(rest[key]);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(message.body)) body[key] = shown(message.body[key]);
  return JSON.stringify({ id: shown(message.id), header, body }, null, 2);
}

/**
 * A message as people read it: the wire JSON (pulpo's field names), indented. Never throws: a
 * message that cannot be written, or that would not read back the same (an adapter handed out
 * something broken), is shown field by field with a note where a field fails, and `problem` says why.
 */
export function formatMessage(message: Message): FormattedMessage {
  try {
    // createMessage's checks are the codec's limits (JSON would quietly write Infinity as null, a
    // cycle or deep nesting would throw), so a message that would not survive the trip is
    // reported, not printed as if it were fine.
    createMessage(toMessageInit(message));
    return { text: JSON.stringify(JSON.parse(encodeToString(message)), null, 2) };
  } catch (error) {
    const problem = describeError(error, 500);
    try {
      return { text: fieldByField(message), problem };
    } catch {
      // Not even the shape of a message (no header, a hostile proxy): there is nothing to show.
      return { text: "<cannot be shown at all>", problem };
    }
  }
}
