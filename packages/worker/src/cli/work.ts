import type { LogFields, Logger } from "@x/core";
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
import { EXIT_BURIED, EXIT_FAILURE, EXIT_OK } from "./exit-codes.js";
import { loadHandlers } from "./handlers-module.js";
import { errorJson, isoTime, writeJson } from "./output.js";
import { type RunningSchedules, startSchedulesModule } from "./schedules-module.js";

const describe = (message: Message, attempt: number): string =>
  `${message.id} ${message.header.requestType ?? "(no type)"} attempt ${attempt}`;

/** The job fields of every `work --json` outcome line. */
const jobFields = (message: Message, attempt: number) => ({ id: message.id, requestType: message.header.requestType ?? "", attempt });

/** A Heart that writes `heartbeat.<name> <payload>` lines (or, with `--json`, heartbeat objects) to stdout. */
function consoleHeart(name: string, io: CliIo, json: boolean): Heart {
  try {
    return createHeart({
      process: name,
      subjectAsString: true,
      publisher: {
        publish: ({ subject, payload }) => {
          const text = new TextDecoder().decode(payload);
          if (json) writeJson(io.stdout, { event: "heartbeat", subject, payload: text });
          else io.stdout.write(`${subject} ${text}\n`);
        },
      },
    });
  } catch (error) {
    throw new QueueCliUsageError(`--heartbeat: ${describeError(error)}`, { cause: error });
  }
}

/** What the scheduler logs (enqueue failures), on stderr: `@x/core`'s shape, fields first. */
function stderrLogger(io: CliIo, json: boolean): Logger {
  const show = (fields: LogFields, message: string): void => {
    if (json) writeJson(io.stderr, errorJson({ code: null, message: `${message}: ${describeError(fields, 300)}` }));
    else io.stderr.write(`error     ${message}: ${describeError(fields, 300)}\n`);
  };
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: show, error: show };
}

/** `work`: runs a worker with the handlers of a module until idle, Ctrl-C or SIGTERM. */
export const work: Command = {
  usage:
    "--handlers <module> [--concurrency <n>] [--poll-timeout <ms>] [--sleep <ms>] [--exit-when-idle <polls>] " +
    "[--max-attempts <n>] [--shutdown-timeout <ms>] [--heartbeat <process-name> [--heartbeat-period <ms>]] [--quiet] " +
    "[--fail-on-buried] [--schedules <module> [--schedules-state <dir>]] [--json]",
  summary: "run a worker with the handlers exported by a module (and the schedules of another)",
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
    "fail-on-buried": { type: "boolean" },
    schedules: { type: "string" },
    "schedules-state": { type: "string" },
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
    const json = flag(parsed, "json");
    const heartName = stringArg(parsed, "heartbeat");
    const heart = heartName === undefined ? undefined : consoleHeart(heartName, io, json);
    const quiet = flag(parsed, "quiet");
    const failOnBuried = flag(parsed, "fail-on-buried");
    const schedulesModule = stringArg(parsed, "schedules");
    const schedulesState = stringArg(parsed, "schedules-state");
    if (schedulesState !== undefined && schedulesModule === undefined)
      throw new QueueCliUsageError("work: --schedules-state goes with --schedules");
    if (schedulesModule === "") throw new QueueCliUsageError("work: --schedules needs a module");
    return async (queue) => {
      const handlers = await loadHandlers(module, io.cwd);
      const worker = createWorker({ queue, handlers, ...options, ...(heart === undefined ? {} : { heart }) });
      const out = (line: string, object: Record<string, unknown>): void => {
        if (quiet) return;
        if (json) writeJson(io.stdout, object);
        else io.stdout.write(`${line}\n`);
      };
      let buried = 0;
      worker.on("succeeded", (e) => {
        out(`succeeded ${describe(e.message, e.attempt)} in ${Math.round(e.durationMs)} ms`, {
          event: "succeeded",
          ...jobFields(e.message, e.attempt),
          durationMs: Math.round(e.durationMs),
        });
      });
      worker.on("retried", (e) => {
        const why = e.shutdown ? "shutdown" : describeError(e.error);
        out(`retried   ${describe(e.message, e.attempt)}: again in ${e.delayMs} ms (${why})`, {
          event: "retried",
          ...jobFields(e.message, e.attempt),
          delayMs: e.delayMs,
          shutdown: e.shutdown,
          error: why,
        });
      });
      worker.on("buried", (e) => {
        buried++;
        out(`buried    ${describe(e.message, e.attempt)}: ${e.reason}: ${e.detail}`, {
          event: "buried",
          ...jobFields(e.message, e.attempt),
          reason: e.reason,
          detail: e.detail,
        });
      });
      worker.on("expired", (e) => {
        if (e.action === "bury") buried++;
        out(`expired   ${describe(e.message, e.attempt)}: ${e.action === "bury" ? "buried" : "deleted"}`, {
          event: "expired",
          ...jobFields(e.message, e.attempt),
          action: e.action,
        });
      });
      worker.on("error", (e) => {
        const message = `${e.phase}${e.message ? ` ${e.message.id}` : ""}: ${describeError(e.error)}`;
        if (json) {
          const code = (e.error as { code?: unknown } | null)?.code;
          writeJson(io.stderr, errorJson({ code: typeof code === "string" ? code : null, message }));
        } else io.stderr.write(`error     ${message}\n`);
      });
      const stopSchedules = new AbortController();
      let schedules: RunningSchedules | undefined;
      if (schedulesModule !== undefined) {
        schedules = await startSchedulesModule(
          schedulesModule,
          queue,
          {
            signal: stopSchedules.signal,
            logger: stderrLogger(io, json),
            ...(schedulesState === undefined ? {} : { stateDir: schedulesState }),
          },
          io,
        );
        schedules.on("enqueued", (e) => {
          out(`scheduled ${e.name} at ${isoTime(e.at.getTime())}: ${e.message.id}`, {
            event: "scheduled",
            schedule: e.name,
            at: isoTime(e.at.getTime()),
            id: e.message.id,
          });
        });
        schedules.on("error", (e) => {
          const message = `schedule ${e.name}${e.at === undefined ? "" : ` at ${isoTime(e.at.getTime())}`}: ${describeError(e.error)}`;
          if (json) writeJson(io.stderr, errorJson({ code: null, message }));
          else io.stderr.write(`error     ${message}\n`);
        });
      }
      let result: Awaited<ReturnType<typeof worker.run>>;
      try {
        result = await worker.run();
      } finally {
        // Stopped schedules enqueue nothing more into a queue that is about to close.
        stopSchedules.abort();
        await schedules?.close();
      }
      const { reason, counters } = result;
      if (json) writeJson(io.stdout, { event: "stopped", reason, ...counters });
      else {
        io.stdout.write(
          `work: stopped (${reason}): ${counters.succeeded} succeeded, ${counters.retried} retried, ` +
            `${counters.buried} buried, ${counters.expired} expired, ${counters.errors} errors\n`,
        );
      }
      if (reason === "queue-closed") return EXIT_FAILURE;
      return failOnBuried && buried > 0 ? EXIT_BURIED : EXIT_OK;
    };
  },
};
