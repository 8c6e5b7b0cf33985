import { createRequire } from "node:module";
import type { LogFields, Logger } from "@x/core";
import { describeError } from "../describe-error.js";
import { QueueCliUsageError, WorkerError } from "../errors.js";
import { parseCommandArgs, stringArg } from "./args.js";
import type { CliIo, Command } from "./command.js";
import { BASIC_COMMANDS } from "./commands.js";
import { openQueue, parseQueueUrl, QUEUE_URL_FORMS } from "./queue-url.js";
import { stats } from "./stats.js";
import { work } from "./work.js";

/** Every command, in the order the help lists them. */
const COMMANDS: Readonly<Record<string, Command>> = { ...BASIC_COMMANDS, stats, work };

/** Exit codes: 0 done, 1 failed (or nothing found), 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    "Usage: x-queue <command> --queue <url> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    `Queues (--queue, or the X_QUEUE environment variable): ${QUEUE_URL_FORMS}`,
    "  file:./jobs?ttr=60000&fsync=false    needs @x/queue-file",
    "  beanstalk://127.0.0.1:11300/emails   needs @x/queue-beanstalk",
    "",
    'Run "x-queue <command> --help" for the options of one command.',
    "Exit codes: 0 done, 1 failed or nothing found, 2 wrong command line.",
    "",
  ].join("\n");
}

function commandUsage(name: string, command: Command): string {
  return `Usage: x-queue ${name} --queue <url> ${command.usage}\n\n${command.summary}\n`;
}

function version(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
  return `${pkg.version}\n`;
}

/** Log fields as people read them on one line: `(file: ready/…; reason: …)`, each value bounded. */
function describeFields(fields: LogFields): string {
  const parts = Object.entries(fields)
    .filter(([key, value]) => key !== "event" && value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : describeError(value, 300)}`);
  return parts.length === 0 ? "" : ` (${parts.join("; ")})`;
}

/**
 * The logger handed to the adapter: `@x/core`'s shape (fields first), showing warnings and errors
 * (a job set aside as unreadable) on stderr and nothing else.
 */
function problemsTo(io: CliIo): Logger {
  const show = (fields: LogFields, message: string): void => {
    io.stderr.write(`x-queue: ${message}${describeFields(fields)}\n`);
  };
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: show, error: show };
}

/** Runs one `x-queue` command line and resolves to the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [name, ...args] = argv;
    if (name === undefined) {
      io.stderr.write(usage());
      return EXIT_USAGE;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(usage());
      return EXIT_OK;
    }
    if (name === "--version" || name === "-v") {
      io.stdout.write(version());
      return EXIT_OK;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined)
      throw new QueueCliUsageError(`unknown command ${JSON.stringify(name)}; the commands are ${Object.keys(COMMANDS).join(", ")}`);
    const parsed = parseCommandArgs(name, args, command.options);
    if (parsed.values.help === true) {
      io.stdout.write(commandUsage(name, command));
      return EXIT_OK;
    }
    const url = stringArg(parsed, "queue") ?? io.env.X_QUEUE;
    if (url === undefined || url === "") throw new QueueCliUsageError(`${name}: --queue <url> is required (${QUEUE_URL_FORMS})`);
    const spec = parseQueueUrl(url, io.cwd);
    const task = command.prepare(parsed, io);
    const queue = await openQueue(spec, io.cwd, io.cliUrl, problemsTo(io));
    try {
      return await task(queue);
    } finally {
      await queue.close();
    }
  } catch (error) {
    if (error instanceof QueueCliUsageError) {
      io.stderr.write(`x-queue: ${error.message}\nRun "x-queue --help" for usage.\n`);
      return EXIT_USAGE;
    }
    const detail = error instanceof WorkerError ? error.message : describeError(error);
    io.stderr.write(`x-queue: ${detail}\n`);
    return EXIT_FAILURE;
  }
}
