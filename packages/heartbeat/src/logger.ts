import { InvalidArgumentError } from "./errors.js";

/**
 * Where the package reports what callers did not ask to handle (a listener that threw, a
 * response ignored as stale). Libraries never print: pass a logger to see these lines.
 */
export interface Logger {
  /** Routine detail, such as a stale response that was ignored. */
  debug(message: string): void;
  /** Noteworthy events. */
  info(message: string): void;
  /** Something failed and will be retried, such as a heartbeat request. */
  warn(message: string): void;
  /** Something failed that the caller should fix, such as a listener that threw. */
  error(message: string): void;
}

/** Returns the logger option, rejecting anything without the four methods. */
export function loggerOption(value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  const methods: (keyof Logger)[] = ["debug", "info", "warn", "error"];
  const missing = methods.find((level) => typeof (value as Partial<Record<string, unknown>> | null)?.[level] !== "function");
  if (missing !== undefined) {
    throw new InvalidArgumentError("logger", value, `must have debug(), info(), warn() and error() methods (${missing} is missing)`);
  }
  return value as Logger;
}

/**
 * The text of an error for a log line. Never throws: anything can be thrown, including objects
 * without a string form (a null prototype, a `toString` that throws), and a log line must not
 * turn one failure into another.
 */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return typeof error === "string" ? error : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
