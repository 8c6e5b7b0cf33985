import type { Handler } from "../actor.js";

/**
 * Wraps a handler into another with the same payload type (walnats' `decorators`). Generic
 * decorators (`rateLimit`, `requires`, `suppress`) fit any payload; `filterTime` fits `Date`s.
 */
export type Decorator<T> = (handler: Handler<T>) => Handler<T>;

/**
 * Applies decorators to a handler in reading order, like stacked Python decorators: the first
 * is the outermost, so `decorate(h, suppress([E]), rateLimit(...))` suppresses `E` thrown by
 * the rate-limited handler.
 */
export function decorate<T>(handler: Handler<T>, ...decorators: readonly Decorator<T>[]): Handler<T> {
  return decorators.reduceRight<Handler<T>>((inner, decorator) => decorator(inner), handler);
}
