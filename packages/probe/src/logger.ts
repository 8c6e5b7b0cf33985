/**
 * Where the probe reports what it does. Libraries never print: pass a logger to see the
 * scheduler's and the outputs' log lines (the CLI passes one that writes to stderr).
 */
export interface Logger {
  /** Details: every check added, every handle read. */
  debug(message: string): void;
  /** Normal events: handles opened, connections made, shutdown. */
  info(message: string): void;
  /** Failures that the probe survives: a check that threw, a lost connection, dropped messages. */
  warn(message: string): void;
  /** Failures of the probe itself: a CHECKS object that fails, an output that cannot write. */
  error(message: string): void;
}

/** A logger that drops everything; the default. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The text of an error for a log line: its message, or the value itself. */
export function errorText(error: unknown): string {
  // Anything can be thrown, including objects without a string form (a null prototype, a
  // `toString` that throws); describing a failure must not fail in turn.
  try {
    if (error instanceof Error) return error.message;
    return typeof error === "string" ? error : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
