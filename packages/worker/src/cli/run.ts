import { createRequire } from "node:module";
import type { LogFields, Logger } from "@x/core";
import { InvalidArgumentError } from "@x/message";
import { describeError } from "../describe-error.js";
import { QueueCliUsageError, QueueNotFoundError, WorkerError } from "../errors.js";
import { parseCommandArgs, stringArg } from "./args.js";
import { kick, remove, retry } from "./bulk.js";
import type { CliIo, Command } from "./command.js";
import { BASIC_COMMANDS } from "./commands.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { importCommand } from "./import.js";
import { list } from "./list.js";
import { errorJson, writeJson } from "./output.js";
import { pause, resume } from "./pause.js";
import { put } from "./put.js";
import { isQueueNotFound, openQueue, parseQueueUrl, QUEUE_URL_FORMS } from "./queue-url.js";
import { stats } from "./stats.js";
import { work } from "./work.js";

/** Every command, in the order the help lists them. */
const COMMANDS: Readonly<Record<string, Command>> = {
  put,
  ...BASIC_COMMANDS,
  list,
  delete: remove,
  kick,
  retry,
  pause,
  resume,
  stats,
  work,
  import: importCommand,
};

export { EXIT_BURIED, EXIT_FAILURE, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE } from "./exit-codes.js";

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
    "  beanstalk://127.0.0.1:11300/emails   needs @x/queue-beanstalk (?ttr=<s>&dialect=pulpo)",
    "  nats://127.0.0.1:4222/emails         needs @x/queue-nats",
    "",
    'Run "x-queue <command> --help" for the options of one command.',
    "Every command takes --json: one JSON object per line on stdout, errors as JSON lines on stderr.",
    "Exit codes: 0 done, 1 failed or nothing found, 2 wrong command line, 3 some jobs were not",
    "stored (put --from, import), 4 work --fail-on-buried: a job was buried.",
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

/** What the CLI reports for a failure, in its own words where it has them. */
function asCliError(caught: unknown, command: string, url: string | undefined): unknown {
  // A bad value a queue call refused came from the command line: the CLI passes nothing else.
  if (caught instanceof InvalidArgumentError) return new QueueCliUsageError(`${command}: ${caught.message}`, { cause: caught });
  if (isQueueNotFound(caught)) {
    const path = (caught as { path?: unknown }).path;
    return new QueueNotFoundError(`no queue at ${url ?? "--queue"}${typeof path === "string" ? ` (${path})` : ""}; nothing was created`, {
      cause: caught,
    });
  }
  return caught;
}

/** Runs one `x-queue` command line and resolves to the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Known before parsing, so that even a wrong command line is reported as a JSON line.
  let json = argv.includes("--json");
  let queueUrl: string | undefined;
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
    const rewritten = command.rewriteArgs ? command.rewriteArgs(args) : args;
    json = rewritten.includes("--json");
    const parsed = parseCommandArgs(name, rewritten, command.options);
    json = parsed.values.json === true;
    if (parsed.values.help === true) {
      io.stdout.write(commandUsage(name, command));
      return EXIT_OK;
    }
    // `import` names its queue --to (only it has that option).
    const url = stringArg(parsed, "queue") ?? stringArg(parsed, "to") ?? io.env.X_QUEUE;
    queueUrl = url;
    if (url === undefined || url === "") throw new QueueCliUsageError(`${name}: --queue <url> is required (${QUEUE_URL_FORMS})`);
    const spec = parseQueueUrl(url, io.cwd);
    const task = command.prepare(parsed, io);
    const queue = await openQueue(spec, io.cwd, io.cliUrl, problemsTo(io), { mustExist: command.readOnly === true, url });
    try {
      return await task(queue);
    } finally {
      await queue.close();
    }
  } catch (caught) {
    const error = asCliError(caught, argv[0] ?? "", queueUrl);
    const usage = error instanceof QueueCliUsageError;
    const detail = error instanceof WorkerError || error instanceof InvalidArgumentError ? error.message : describeError(error);
    if (json) {
      const code = (error as { code?: unknown } | null)?.code;
      writeJson(io.stderr, errorJson({ code: typeof code === "string" ? code : null, message: detail }));
    } else if (usage) {
      io.stderr.write(`x-queue: ${error.message}\nRun "x-queue --help" for usage.\n`);
    } else {
      io.stderr.write(`x-queue: ${detail}\n`);
    }
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}
