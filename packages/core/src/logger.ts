import { InvalidOptionError } from "./errors.js";

/** Structured fields of one log line: ids, counts, durations, the error. Never preformatted. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One method of a {@link Logger}: the fields first, then a short constant message. */
export type LogMethod = (fields: LogFields, message: string) => void;

/**
 * The one logger shape every `@x` package accepts. The argument order is pino's and bunyan's
 * (`logger.info({ jobId }, "job buried")`), so a pino logger is passed as it is and keeps the
 * fields in its JSON; `console` fits too. Packages never print on their own: without a logger,
 * nothing is written.
 */
export interface Logger {
  /** Routine detail: every job reserved, every heartbeat, every stale reply ignored. */
  readonly debug: LogMethod;
  /** Noteworthy, expected events: connected, stopping, stopped. */
  readonly info: LogMethod;
  /** Something failed and was handled: a retry, a reconnect, a dropped message. */
  readonly warn: LogMethod;
  /** Something failed that needs a look: a listener that threw, work that could not be stored. */
  readonly error: LogMethod;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

const drop: LogMethod = () => undefined;

/** A logger that drops everything: the default of every package. */
export const silentLogger: Logger = Object.freeze({ debug: drop, info: drop, warn: drop, error: drop });

/**
 * The logger option of a factory: `silentLogger` when absent, the value when it has the four
 * methods, and an {@link InvalidOptionError} naming the missing method otherwise.
 */
export function loggerOption(value: unknown, option = "logger"): Logger {
  if (value === undefined) return silentLogger;
  for (const level of LEVELS) {
    if (typeof (value as Partial<Record<string, unknown>> | null)?.[level] !== "function") {
      throw new InvalidOptionError(option, value, `must have debug(), info(), warn() and error() methods (${level} is missing)`);
    }
  }
  return value as Logger;
}
