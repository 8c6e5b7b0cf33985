import { createMessage, InvalidArgumentError, type MessageInit } from "@x/message";
import { QueueCliUsageError } from "../errors.js";
import { flag, integerArg, millisecondsArg, type ParsedArgs, positionals, stringArg } from "./args.js";
import type { Command } from "./command.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_SOME_FAILED } from "./exit-codes.js";
import { untilInterrupted } from "./interrupt.js";
import { progressStream, writeJson } from "./output.js";
import { progress } from "./progress.js";
import { DEFAULT_PUT_BATCH, putFrom } from "./put-from.js";

/** Jobs `put --count` keeps in flight at once. */
const PUT_CONCURRENCY = 32;
/** Largest `--batch`: a batch is held in memory and written as one. */
const MAX_PUT_BATCH = 10_000;
/** Every job put by the CLI says where it came from. */
const SOURCE_HEADER = { source: "x-queue" } as const;

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
  const json = stringArg(parsed, "payload-json");
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
    header: { ...SOURCE_HEADER, ...parseHeaders(parsed.values.header) },
  };
  try {
    createMessage(init);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new QueueCliUsageError(`put: ${error.message}`, { cause: error });
    throw error;
  }
  return init;
}

/** Options that describe one job; `--from` takes every job from its lines instead. */
const JOB_OPTIONS = ["type", "payload", "payload-json", "priority", "delay", "expires", "header", "count"] as const;

/**
 * `put --json <value>` has always meant a JSON payload, and `--json` alone is now the output
 * format of every command. A value follows when the next word is not an option (a negative
 * number is a value); `--json=<value>` is always the payload.
 */
function payloadJsonArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = args[i + 1];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (arg.startsWith("--json=")) out.push(`--payload-json=${arg.slice("--json=".length)}`);
    else if (arg === "--json" && next !== undefined && (!next.startsWith("-") || /^-(\d|\.\d)/.test(next))) {
      out.push(`--payload-json=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** `put`: one job from the options, `--count` copies of it, or every job of an NDJSON file (`--from`). */
export const put: Command = {
  usage:
    "[--type <request_type>] [--payload <text> | --json <json>] [--priority <n>] [--delay <ms>] [--expires <ms>] [--header k=v]... [--count <n>]\n" +
    "       x-queue put --queue <url> --from <file.ndjson | -> [--batch <n>] [--json]",
  summary: "enqueue a job (--count: that many, with progress; --from: one per NDJSON line, in batches)",
  options: {
    type: { type: "string" },
    payload: { type: "string" },
    "payload-json": { type: "string" },
    priority: { type: "string" },
    delay: { type: "string" },
    expires: { type: "string" },
    header: { type: "string", multiple: true },
    count: { type: "string" },
    from: { type: "string" },
    batch: { type: "string" },
  },
  rewriteArgs: payloadJsonArgs,
  prepare(parsed, io) {
    positionals(parsed, "put", []);
    const json = flag(parsed, "json");
    const from = stringArg(parsed, "from");
    if (from !== undefined) {
      const extra = JOB_OPTIONS.filter((name) => parsed.values[name] !== undefined);
      if (extra.length > 0) {
        throw new QueueCliUsageError(
          `put --from takes every job from its lines; drop ${extra.map((name) => `--${name === "payload-json" ? "json <value>" : name}`).join(", ")}`,
        );
      }
      if (from === "") throw new QueueCliUsageError("put: --from needs a file name, or - for stdin");
      const batch = integerArg(parsed, "batch", DEFAULT_PUT_BATCH, 1, MAX_PUT_BATCH);
      return async (queue) => {
        const interrupt = untilInterrupted();
        try {
          const result = await putFrom(
            queue,
            { from, batch, json, header: SOURCE_HEADER, signal: interrupt.signal },
            io,
            progressStream(io, json),
          );
          if (json)
            writeJson(io.stdout, { put: result.stored, failed: result.failed, lines: result.lines, interrupted: result.interrupted });
          else
            io.stdout.write(
              `put: ${result.stored} jobs${result.failed > 0 ? `, ${result.failed} failed` : ""}${result.interrupted ? " (interrupted)" : ""}\n`,
            );
          if (result.interrupted) return EXIT_FAILURE;
          return result.failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
        } finally {
          interrupt.dispose();
        }
      };
    }
    if (stringArg(parsed, "batch") !== undefined) throw new QueueCliUsageError("put: --batch goes with --from");
    const init = messageInit(parsed);
    const count = integerArg(parsed, "count", 1, 1);
    return async (queue) => {
      if (count === 1) {
        const { id } = await queue.enqueue(init);
        if (json) writeJson(io.stdout, { put: 1, failed: 0, id });
        else io.stdout.write(`put: ${id}\n`);
        return EXIT_OK;
      }
      const report = progress(progressStream(io, json), "put", count);
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
      if (json) writeJson(io.stdout, { put: done, failed: 0 });
      else io.stdout.write(`put: ${done} jobs\n`);
      return EXIT_OK;
    };
  },
};
