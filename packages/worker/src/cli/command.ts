import { encodeToString, type Message, type QueueAdapter } from "@x/message";
import type { OptionSpecs, ParsedArgs } from "./args.js";
import type { ProgressStream } from "./progress.js";

/** The process around the CLI: injectable so the commands never touch globals directly. */
export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
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
  /** Checks the arguments before the queue is opened (usage errors never touch the queue). */
  prepare(parsed: ParsedArgs, io: CliIo): QueueTask;
}

/** A message as people read it: the wire JSON (pulpo's field names), indented. */
export function formatMessage(message: Message): string {
  return JSON.stringify(JSON.parse(encodeToString(message)), null, 2);
}
