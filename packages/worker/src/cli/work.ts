import { createHeart, type Heart } from "@x/heartbeat";
import type { Message } from "@x/message";
import { describeError } from "../describe-error.js";
import { QueueCliUsageError } from "../errors.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_HEARTBEAT_PERIOD_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_SLEEP_DURATION_MS,
} from "../options.js";
import { createWorker } from "../worker.js";
import { flag, integerArg, millisecondsArg, positionals, stringArg } from "./args.js";
import type { CliIo, Command } from "./command.js";
import { loadHandlers } from "./handlers-module.js";

const describe = (message: Message, attempt: number): string =>
  `${message.id} ${message.header.requestType ?? "(no type)"} attempt ${attempt}`;

/** A Heart that writes `heartbeat.<name> <payload>` lines to stdout. */
function consoleHeart(name: string, io: CliIo): Heart {
  try {
    return createHeart({
      process: name,
      subjectAsString: true,
      publisher: { publish: ({ subject, payload }) => io.stdout.write(`${subject} ${new TextDecoder().decode(payload)}\n`) },
    });
  } catch (error) {
    throw new QueueCliUsageError(`--heartbeat: ${describeError(error)}`, { cause: error });
  }
}

/** `work`: runs a worker with the handlers of a module until idle, Ctrl-C or SIGTERM. */
export const work: Command = {
  usage:
    "--handlers <module> [--concurrency <n>] [--poll-timeout <ms>] [--sleep <ms>] [--exit-when-idle <polls>] " +
    "[--max-attempts <n>] [--shutdown-timeout <ms>] [--heartbeat <process-name> [--heartbeat-period <ms>]] [--quiet]",
  summary: "run a worker with the handlers exported by a module",
  options: {
    handlers: { type: "string" },
    concurrency: { type: "string" },
    "poll-timeout": { type: "string" },
    sleep: { type: "string" },
    "exit-when-idle": { type: "string" },
    "max-attempts": { type: "string" },
    "shutdown-timeout": { type: "string" },
    heartbeat: { type: "string" },
    "heartbeat-period": { type: "string" },
    quiet: { type: "boolean" },
  },
  prepare(parsed, io) {
    positionals(parsed, "work", []);
    const module = stringArg(parsed, "handlers");
    if (module === undefined) throw new QueueCliUsageError("work: --handlers <module> is required");
    const options = {
      concurrency: integerArg(parsed, "concurrency", DEFAULT_CONCURRENCY, 1),
      pollTimeoutMs: millisecondsArg(parsed, "poll-timeout", DEFAULT_POLL_TIMEOUT_MS, { timer: true }),
      sleepDurationMs: millisecondsArg(parsed, "sleep", DEFAULT_SLEEP_DURATION_MS, { timer: true }),
      shutdownAfterEmptyIterations: integerArg(parsed, "exit-when-idle", Number.POSITIVE_INFINITY, 0),
      maxAttempts: integerArg(parsed, "max-attempts", DEFAULT_MAX_ATTEMPTS, 1),
      shutdownTimeoutMs: millisecondsArg(parsed, "shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT_MS, { timer: true }),
      heartbeatPeriodMs: millisecondsArg(parsed, "heartbeat-period", DEFAULT_HEARTBEAT_PERIOD_MS, { positive: true, timer: true }),
    };
    const heartName = stringArg(parsed, "heartbeat");
    const heart = heartName === undefined ? undefined : consoleHeart(heartName, io);
    const quiet = flag(parsed, "quiet");
    return async (queue) => {
      const handlers = await loadHandlers(module, io.cwd);
      const worker = createWorker({ queue, handlers, ...options, ...(heart === undefined ? {} : { heart }) });
      const out = (line: string): void => {
        if (!quiet) io.stdout.write(`${line}\n`);
      };
      worker.on("succeeded", (e) => {
        out(`succeeded ${describe(e.message, e.attempt)} in ${Math.round(e.durationMs)} ms`);
      });
      worker.on("retried", (e) => {
        out(`retried   ${describe(e.message, e.attempt)}: again in ${e.delayMs} ms (${e.shutdown ? "shutdown" : describeError(e.error)})`);
      });
      worker.on("buried", (e) => {
        out(`buried    ${describe(e.message, e.attempt)}: ${e.reason}: ${e.detail}`);
      });
      worker.on("expired", (e) => {
        out(`expired   ${describe(e.message, e.attempt)}: ${e.action === "bury" ? "buried" : "deleted"}`);
      });
      worker.on("error", (e) => {
        io.stderr.write(`error     ${e.phase}${e.message ? ` ${e.message.id}` : ""}: ${describeError(e.error)}\n`);
      });
      const { reason, counters } = await worker.run();
      io.stdout.write(
        `work: stopped (${reason}): ${counters.succeeded} succeeded, ${counters.retried} retried, ` +
          `${counters.buried} buried, ${counters.expired} expired, ${counters.errors} errors\n`,
      );
      return reason === "queue-closed" ? 1 : 0;
    };
  },
};
