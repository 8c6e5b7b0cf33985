import {
  checkOptionKeys,
  describeValue,
  durationMsOption,
  InvalidOptionError,
  type Logger,
  loggerOption,
  sleep,
  type TimeSource,
  timeSourceOption,
} from "@x/core";
import { type Checks, ScheduledChecks } from "./checks.js";
import { type ChecksRunner, isChecksRunner } from "./contract.js";
import { ChecksModuleError } from "./errors.js";
import type { ProbeMessage } from "./message/types.js";
import { messageProblem } from "./message/validate.js";
import type { Output } from "./outputs/output.js";

/** Pause after a `CHECKS.runNext()` that threw, before calling it again, by default: 1 s. */
export const DEFAULT_RUNNER_RETRY_MS = 1_000;

const OPTION_KEYS = ["checks", "output", "signal", "logger", "retryMs", "time"];

/** Options for {@link runProbe}. */
export interface RunProbeOptions {
  /** A `Checks` scheduler ({@link createChecks}), or a `CHECKS` object with its own `runNext()`. Required. */
  readonly checks: Checks | ChecksRunner;
  /** Where the messages go. Required. */
  readonly output: Output;
  /** Stops the loop. The checks and the output stay open: the caller closes them. @default none: runs until aborted */
  readonly signal?: AbortSignal;
  /** Receives the loop's log lines. @default none: nothing is logged */
  readonly logger?: Logger;
  /** Pause after a failing `runNext()` of a `CHECKS` object (ms). @default DEFAULT_RUNNER_RETRY_MS */
  readonly retryMs?: number;
  /** Timers of the retry pause. @default `@x/core`'s systemTime */
  readonly time?: TimeSource;
}

/**
 * The probe's main loop (DumbProbe's `for msg in checks.run_next(): output.send(msg)`): waits for
 * messages and sends them, until `signal` aborts. Messages from a `CHECKS` object are validated
 * first (an invalid one is logged with the reason and skipped); a `runNext()` that throws is
 * logged and retried after `retryMs` instead of killing the probe.
 */
export async function runProbe(options: RunProbeOptions): Promise<void> {
  checkOptionKeys(options, OPTION_KEYS, "runProbe");
  const { checks, output, signal } = (options as Partial<RunProbeOptions> | undefined) ?? {};
  if (!(checks instanceof ScheduledChecks) && !isChecksRunner(checks))
    throw new InvalidOptionError("checks", checks, "must be a Checks scheduler (createChecks()) or an object with runNext()");
  if (typeof output?.send !== "function") throw new InvalidOptionError("output", output, `must be an output with send()`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError("signal", signal, `must be an AbortSignal`);
  const logger = loggerOption(options.logger);
  const time = timeSourceOption(options.time);
  const retryMs = durationMsOption("retryMs", options.retryMs, DEFAULT_RUNNER_RETRY_MS);
  if (checks instanceof ScheduledChecks) {
    // Push mode: each message goes out as it is produced (Checks logs a send that throws).
    await checks.forward(
      (message) => {
        output.send(message);
      },
      signal === undefined ? {} : { signal },
    );
    return;
  }
  const aborted = (): boolean => signal?.aborted === true;
  while (!aborted()) {
    let batch: unknown[];
    try {
      // A CHECKS object might ignore the signal, so its runNext() is raced against it.
      batch = iterate(await untilAborted(checks.runNext(signal === undefined ? {} : { signal }), signal));
    } catch (error) {
      if (aborted()) return;
      logger.error({ error, retryInMs: retryMs }, "CHECKS.runNext() failed");
      await sleep(retryMs, signal, time).catch(() => undefined);
      continue;
    }
    for (const message of batch) {
      const reason = messageProblem(message);
      if (reason !== undefined) {
        logger.warn({ reason }, "CHECKS.runNext() produced an invalid message");
        continue;
      }
      try {
        output.send(message as ProbeMessage);
      } catch (error) {
        logger.error({ error }, "sending a message failed");
      }
    }
  }
}

/** The messages of what a `CHECKS.runNext()` returned, or a typed error saying it is not a list. */
function iterate(batch: unknown): unknown[] {
  if (typeof batch === "object" && batch !== null && typeof (batch as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") {
    return Array.from(batch as Iterable<unknown>);
  }
  throw new ChecksModuleError(`CHECKS.runNext() must return an iterable of messages, got ${describeValue(batch, 60)}`);
}

/** Resolves like `work`, or rejects as soon as `signal` aborts (a `CHECKS` object may ignore it). */
async function untilAborted<T>(work: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined || !(work instanceof Promise)) return work;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
