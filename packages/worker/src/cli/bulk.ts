import { type BulkAction, bulk, type JobState } from "@x/message";
import { NoJobError, QueueCliUsageError } from "../errors.js";
import { flag, integerArg, jobIdArg, type ParsedArgs, stateArg, stringArg } from "./args.js";
import type { CliIo, Command, QueueTask } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit-codes.js";
import { untilInterrupted } from "./interrupt.js";
import { reportFailure, writeJson } from "./output.js";

/** `kick` moves at most this many buried jobs when neither `--max` nor `--state` is given. */
export const DEFAULT_KICK_MAX = 1_000;

/** The states each bulk action takes (what `checkBulkOptions` of `@x/message` allows). */
const BULK_STATES: Readonly<Record<BulkAction, readonly JobState[]>> = {
  kick: ["buried"],
  retry: ["buried", "delayed"],
  delete: ["ready", "delayed", "buried"],
};

/**
 * The bulk form: every job in `state` (of `--type`, if given), through the adapter's `bulk()`.
 * Ctrl-C stops between jobs; the counts say what was done by then.
 */
function bulkTask(action: BulkAction, state: JobState, parsed: ParsedArgs, io: CliIo): QueueTask {
  const requestType = stringArg(parsed, "type");
  const json = flag(parsed, "json");
  return async (queue) => {
    const interrupt = untilInterrupted();
    try {
      const { matched, changed } = await bulk(queue, {
        action,
        state,
        ...(requestType === undefined ? {} : { requestType }),
        signal: interrupt.signal,
      });
      if (json) writeJson(io.stdout, { action, state, ...(requestType === undefined ? {} : { requestType }), matched, changed });
      else
        io.stdout.write(
          `${action}: ${changed} of ${matched} ${state} job${matched === 1 ? "" : "s"}${requestType === undefined ? "" : ` of type ${JSON.stringify(requestType)}`}\n`,
        );
      return EXIT_OK;
    } finally {
      interrupt.dispose();
    }
  };
}

/** `--state` for a bulk action, required unless the action takes one state only. */
function bulkState(action: BulkAction, parsed: ParsedArgs): JobState | undefined {
  const allowed = BULK_STATES[action];
  return stateArg(parsed, action, allowed) ?? (stringArg(parsed, "type") !== undefined && allowed.length === 1 ? allowed[0] : undefined);
}

const BULK_OPTIONS = { state: { type: "string" }, type: { type: "string" } } as const;

/** `retry --state buried|delayed [--type T]`: those jobs become ready now. */
export const retry: Command = {
  usage: "--state buried|delayed [--type <request_type>] [--json]",
  summary: "make every buried (or delayed) job, of one type if given, ready now",
  options: BULK_OPTIONS,
  prepare(parsed, io) {
    if (parsed.positionals.length > 0) throw new QueueCliUsageError(`retry takes no arguments, got ${parsed.positionals.join(" ")}`);
    const state = bulkState("retry", parsed);
    if (state === undefined) throw new QueueCliUsageError("retry: --state buried|delayed is required");
    return bulkTask("retry", state, parsed, io);
  },
};

/** `kick [--max N]` (the first N buried jobs) or `kick --state buried [--type T]` (all of them). */
export const kick: Command = {
  usage: "[--max <n>] | --state buried [--type <request_type>] [--json]",
  summary: `move buried jobs back to ready: at most --max (default ${DEFAULT_KICK_MAX}), or all of them (of one type) with --state buried`,
  options: { ...BULK_OPTIONS, max: { type: "string" } },
  prepare(parsed, io) {
    if (parsed.positionals.length > 0) throw new QueueCliUsageError(`kick takes no arguments, got ${parsed.positionals.join(" ")}`);
    const state = bulkState("kick", parsed);
    if (state !== undefined) {
      if (stringArg(parsed, "max") !== undefined) throw new QueueCliUsageError("kick: give --max or --state/--type, not both");
      return bulkTask("kick", state, parsed, io);
    }
    const max = integerArg(parsed, "max", DEFAULT_KICK_MAX, 1);
    const json = flag(parsed, "json");
    return async (queue) => {
      const changed = await queue.kick(max);
      if (json) writeJson(io.stdout, { action: "kick", state: "buried", changed });
      else io.stdout.write(`kick: ${changed}\n`);
      return EXIT_OK;
    };
  },
};

/** `delete <id>` (one job in any state) or `delete --state S [--type T]` (every ready, delayed or buried one). */
export const remove: Command = {
  usage: "<id> | --state ready|delayed|buried [--type <request_type>] [--json]",
  summary: "delete a job in any state, or every job in one state (of one type)",
  options: BULK_OPTIONS,
  prepare(parsed, io) {
    const state = bulkState("delete", parsed);
    if (state !== undefined || stringArg(parsed, "type") !== undefined) {
      if (parsed.positionals.length > 0) throw new QueueCliUsageError("delete: give a job id or --state, not both");
      if (state === undefined) throw new QueueCliUsageError("delete: --type needs --state ready|delayed|buried");
      return bulkTask("delete", state, parsed, io);
    }
    if (parsed.positionals.length !== 1) {
      throw new QueueCliUsageError(
        `delete takes <id> or --state ready|delayed|buried, got ${parsed.positionals.length === 0 ? "neither" : parsed.positionals.join(" ")}`,
      );
    }
    const id = jobIdArg("delete", parsed.positionals[0] ?? "");
    const json = flag(parsed, "json");
    return async (queue) => {
      if (!(await queue.delete(id))) return reportFailure(io, json, new NoJobError(`delete: no job ${id}`), EXIT_FAILURE);
      if (json) writeJson(io.stdout, { action: "delete", id, changed: 1 });
      else io.stdout.write(`delete: ${id}\n`);
      return EXIT_OK;
    };
  },
};
