import { createMessage, InvalidArgumentError, type MessageInit, type Reservation } from "@x/message";
import { QueueCliUsageError } from "../errors.js";
import { integerArg, millisecondsArg, type ParsedArgs, positionals, stringArg } from "./args.js";
import { type Command, formatMessage } from "./command.js";
import { untilInterrupted } from "./interrupt.js";
import { progress } from "./progress.js";

/** Jobs `put --count` keeps in flight at once. */
const PUT_CONCURRENCY = 32;
/** `kick` moves at most this many buried jobs when `--max` is not given. */
const DEFAULT_KICK_MAX = 1_000;

function parseHeaders(values: unknown): Record<string, string> {
  const header: Record<string, string> = {};
  for (const entry of Array.isArray(values) ? (values as string[]) : []) {
    const at = entry.indexOf("=");
    if (at <= 0) throw new QueueCliUsageError(`--header must look like key=value, got ${JSON.stringify(entry)}`);
    header[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return header;
}

function messageInit(parsed: ParsedArgs): MessageInit {
  const type = stringArg(parsed, "type");
  const text = stringArg(parsed, "payload");
  const json = stringArg(parsed, "json");
  if (text !== undefined && json !== undefined) throw new QueueCliUsageError("put: give --payload or --json, not both");
  let payload: unknown = text;
  if (json !== undefined) {
    try {
      payload = JSON.parse(json);
    } catch (error) {
      throw new QueueCliUsageError(`--json is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const priority = stringArg(parsed, "priority") === undefined ? undefined : integerArg(parsed, "priority", 0, Number.MIN_SAFE_INTEGER);
  const init: MessageInit = {
    ...(type === undefined ? {} : { requestType: type }),
    ...(payload === undefined ? {} : { payload }),
    ...(priority === undefined ? {} : { priority }),
    ...(stringArg(parsed, "delay") === undefined ? {} : { delayMs: millisecondsArg(parsed, "delay", 0) }),
    ...(stringArg(parsed, "expires") === undefined ? {} : { expiresInMs: millisecondsArg(parsed, "expires", 0) }),
    header: { source: "x-queue", ...parseHeaders(parsed.values.header) },
  };
  try {
    createMessage(init);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new QueueCliUsageError(`put: ${error.message}`, { cause: error });
    throw error;
  }
  return init;
}

const put: Command = {
  usage:
    "[--type <request_type>] [--payload <text> | --json <json>] [--priority <n>] [--delay <ms>] [--expires <ms>] [--header k=v]... [--count <n>]",
  summary: "enqueue a job (--count: that many, with progress)",
  options: {
    type: { type: "string" },
    payload: { type: "string" },
    json: { type: "string" },
    priority: { type: "string" },
    delay: { type: "string" },
    expires: { type: "string" },
    header: { type: "string", multiple: true },
    count: { type: "string" },
  },
  prepare(parsed, io) {
    positionals(parsed, "put", []);
    const init = messageInit(parsed);
    const count = integerArg(parsed, "count", 1, 1);
    return async (queue) => {
      if (count === 1) {
        io.stdout.write(`put: ${(await queue.enqueue(init)).id}\n`);
        return 0;
      }
      const report = progress(io.stderr, "put", count);
      let started = 0;
      let done = 0;
      const lane = async (): Promise<void> => {
        while (started < count) {
          started++;
          await queue.enqueue(init);
          report.update(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, count) }, lane));
      report.finish(done);
      io.stdout.write(`put: ${done} jobs\n`);
      return 0;
    };
  },
};

const pop: Command = {
  usage: "[--wait <ms>]",
  summary: "reserve the next job, print it and ack it",
  options: { wait: { type: "string" } },
  prepare(parsed, io) {
    positionals(parsed, "pop", []);
    const timeoutMs = millisecondsArg(parsed, "wait", 0, { timer: true });
    return async (queue) => {
      // Ctrl-C while waiting ends the wait cleanly: no job is taken, none is left reserved.
      const interrupt = untilInterrupted();
      if (timeoutMs > 0) io.stderr.write(`pop: waiting up to ${timeoutMs} ms for a job (Ctrl-C stops)\n`);
      let reservation: Reservation | null;
      try {
        reservation = await queue.reserve({ timeoutMs, signal: interrupt.signal });
      } catch (error) {
        if (!interrupt.signal.aborted) throw error;
        io.stderr.write("pop: interrupted, no job taken\n");
        return 1;
      } finally {
        interrupt.dispose();
      }
      if (reservation === null) {
        io.stderr.write("pop: no job available\n");
        return 1;
      }
      const { text, problem } = formatMessage(reservation.message);
      io.stdout.write(`pop: ${reservation.message.id}\n${text}\n`);
      if (problem !== undefined) {
        // Acking would delete a job nobody has seen in full; releasing would hand it to the
        // next pop again. Buried, it stays for inspection and the queue moves on.
        await reservation.bury(`x-queue pop: cannot be shown: ${problem}`);
        io.stderr.write(`pop: job ${reservation.message.id} cannot be shown in full: ${problem}; buried it\n`);
        return 1;
      }
      await reservation.ack();
      return 0;
    };
  },
};

const peek: Command = {
  usage: "<id>",
  summary: "print a job in any state",
  options: {},
  prepare(parsed, io) {
    const [id = ""] = positionals(parsed, "peek", ["id"]);
    return async (queue) => {
      const info = queue.inspect ? await queue.inspect(id) : undefined;
      const message = info === undefined ? await queue.peek(id) : (info?.message ?? null);
      if (message === null) {
        io.stderr.write(`peek: no job ${id}\n`);
        return 1;
      }
      const state = info ? ` (${info.state}${info.buryReason === undefined ? "" : `: ${info.buryReason}`})` : "";
      const { text, problem } = formatMessage(message);
      io.stdout.write(`peek: ${message.id}${state}\n${text}\n`);
      if (problem !== undefined) {
        io.stderr.write(`peek: job ${message.id} cannot be shown in full: ${problem}\n`);
        return 1;
      }
      return 0;
    };
  },
};

const remove: Command = {
  usage: "<id>",
  summary: "delete a job in any state",
  options: {},
  prepare(parsed, io) {
    const [id = ""] = positionals(parsed, "delete", ["id"]);
    return async (queue) => {
      if (!(await queue.delete(id))) {
        io.stderr.write(`delete: no job ${id}\n`);
        return 1;
      }
      io.stdout.write(`delete: ${id}\n`);
      return 0;
    };
  },
};

const kick: Command = {
  usage: `[--max <n>]`,
  summary: `move buried jobs back to ready (at most --max, default ${DEFAULT_KICK_MAX})`,
  options: { max: { type: "string" } },
  prepare(parsed, io) {
    positionals(parsed, "kick", []);
    const max = integerArg(parsed, "max", DEFAULT_KICK_MAX, 1);
    return async (queue) => {
      io.stdout.write(`kick: ${await queue.kick(max)}\n`);
      return 0;
    };
  },
};

/** The commands that do one queue operation. */
export const BASIC_COMMANDS: Readonly<Record<string, Command>> = { put, pop, peek, delete: remove, kick };
