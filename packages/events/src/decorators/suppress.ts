import { checkOptionKeys, InvalidOptionError, type Logger, loggerOption } from "@x/core";
import type { Handler } from "../actor.js";

/** An error class, as `instanceof` takes it. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Options of {@link suppress}. */
export interface SuppressOptions {
  /** Where a suppressed error is logged (`warn`, with `actor`, `event`, `seq`, `error`). @default silent */
  readonly logger?: Logger;
}

/**
 * Turns the listed errors into a success (walnats' `suppress`): the event is acknowledged instead
 * of retried. For errors that retrying cannot fix (a record that no longer exists), never for
 * flow control. Other errors pass through unchanged.
 */
export function suppress(errors: readonly ErrorClass[], options: SuppressOptions = {}): <T>(handler: Handler<T>) => Handler<T> {
  checkOptionKeys(options, ["logger"], "suppress");
  if (!Array.isArray(errors) || errors.length === 0 || errors.some((e) => typeof e !== "function")) {
    throw new InvalidOptionError("errors", errors, "must list at least one error class");
  }
  const logger = loggerOption(options.logger);
  const matches = (error: unknown): boolean => errors.some((kind) => error instanceof kind);
  return (handler) => (payload, context) => {
    const swallow = (error: unknown): undefined => {
      if (!matches(error)) throw error;
      logger.warn(
        { actor: context.actor, event: context.event, seq: context.seq, error: error instanceof Error ? error.message : String(error) },
        "suppressed error in handler",
      );
      return undefined;
    };
    let result: unknown;
    try {
      result = handler(payload, context);
    } catch (error) {
      swallow(error);
      return undefined;
    }
    return result instanceof Promise ? result.catch(swallow) : result;
  };
}
