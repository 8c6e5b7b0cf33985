import type { Reservation } from "@x/message";
import { NoJobError } from "../errors.js";
import { flag, jobIdArg, millisecondsArg, positionals } from "./args.js";
import { type Command, formatMessage } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit-codes.js";
import { untilInterrupted } from "./interrupt.js";
import { jobJson, reportFailure, writeJson } from "./output.js";

const pop: Command = {
  usage: "[--wait <ms>] [--json]",
  summary: "reserve the next job, print it and ack it",
  options: { wait: { type: "string" } },
  prepare(parsed, io) {
    positionals(parsed, "pop", []);
    const timeoutMs = millisecondsArg(parsed, "wait", 0, { timer: true });
    const json = flag(parsed, "json");
    return async (queue) => {
      // Ctrl-C while waiting ends the wait cleanly: no job is taken, none is left reserved.
      const interrupt = untilInterrupted();
      if (timeoutMs > 0 && !json) io.stderr.write(`pop: waiting up to ${timeoutMs} ms for a job (Ctrl-C stops)\n`);
      let reservation: Reservation | null;
      try {
        reservation = await queue.reserve({ timeoutMs, signal: interrupt.signal });
      } catch (error) {
        if (!interrupt.signal.aborted) throw error;
        return reportFailure(io, json, new NoJobError("pop: interrupted, no job taken"), EXIT_FAILURE);
      } finally {
        interrupt.dispose();
      }
      if (reservation === null) {
        // An operator who paused the queue and forgot should be told why nothing comes.
        const paused = queue.capabilities.pause && (await queue.stats()).paused === true;
        return reportFailure(io, json, new NoJobError(`pop: no job available${paused ? " (the queue is paused)" : ""}`), EXIT_FAILURE);
      }
      const { message } = reservation;
      let problem: string | undefined;
      if (json) {
        const shown = jobJson({ message, state: "reserved" });
        writeJson(io.stdout, shown.line);
        problem = shown.problem;
      } else {
        const shown = formatMessage(message);
        io.stdout.write(`pop: ${message.id}\n${shown.text}\n`);
        problem = shown.problem;
      }
      if (problem !== undefined) {
        // Acking would delete a job nobody has seen in full; releasing would hand it to the
        // next pop again. Buried, it stays for inspection and the queue moves on.
        await reservation.bury(`x-queue pop: cannot be shown: ${problem}`);
        const text = `pop: job ${message.id} cannot be shown in full: ${problem}; buried it`;
        return reportFailure(io, json, { code: "ERR_X_QUEUE_INVALID_MESSAGE", message: text }, EXIT_FAILURE);
      }
      await reservation.ack();
      return EXIT_OK;
    };
  },
};

const peek: Command = {
  usage: "<id> [--json]",
  summary: "print a job in any state",
  options: {},
  readOnly: true,
  prepare(parsed, io) {
    const [given = ""] = positionals(parsed, "peek", ["id"]);
    const id = jobIdArg("peek", given);
    const json = flag(parsed, "json");
    return async (queue) => {
      const info = queue.inspect ? await queue.inspect(id) : undefined;
      const message = info === undefined ? await queue.peek(id) : (info?.message ?? null);
      if (message === null) return reportFailure(io, json, new NoJobError(`peek: no job ${id}`), EXIT_FAILURE);
      let problem: string | undefined;
      if (json) {
        const shown = jobJson({
          message,
          ...(info ? { state: info.state } : {}),
          ...(info?.buryReason === undefined ? {} : { buryReason: info.buryReason }),
          ...(info?.leaseEndsAt === undefined ? {} : { leaseEndsAt: info.leaseEndsAt }),
        });
        writeJson(io.stdout, shown.line);
        problem = shown.problem;
      } else {
        const state = info ? ` (${info.state}${info.buryReason === undefined ? "" : `: ${info.buryReason}`})` : "";
        const shown = formatMessage(message);
        io.stdout.write(`peek: ${message.id}${state}\n${shown.text}\n`);
        problem = shown.problem;
      }
      if (problem !== undefined) {
        const text = `peek: job ${message.id} cannot be shown in full: ${problem}`;
        return reportFailure(io, json, { code: "ERR_X_QUEUE_INVALID_MESSAGE", message: text }, EXIT_FAILURE);
      }
      return EXIT_OK;
    };
  },
};

/** `pop` and `peek`: one job, printed in full. */
export const BASIC_COMMANDS: Readonly<Record<string, Command>> = { pop, peek };
