/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The optional logger `@x/events` reports through (pino, winston, console and most loggers fit).
 * The library never prints on its own.
 */
export interface Logger {
  /** Per-event details (e.g. duplicate emits). */
  debug(message: string, fields?: LogFields): void;
  /** Noteworthy, expected things. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled (a retry, a refused ack, an interest stream without actors). */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong that needs a look (a dead letter that could not be stored, a hook that threw). */
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => undefined;

/** A logger that drops everything; the default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** A short, single-line description of any thrown value, for logs and headers. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
