import { describeValue, type Logger } from "@x/core";
import type { Context, DeadLetterContext, ErrorContext, HookResult, Middleware, OkContext } from "./middleware.js";
import type { Tasks } from "./tasks.js";

/** The context type each hook receives. */
interface HookContexts<T> {
  onStart: Context<T>;
  onSuccess: OkContext<T>;
  onFailure: ErrorContext<T>;
  onDeadLetter: DeadLetterContext;
}

/**
 * Calls one hook of every middleware, in order. A synchronous throw or a rejected promise is
 * logged and goes no further: middlewares observe, they never change what happens to the event.
 * Promises are tracked in `tasks` instead of awaited, so a slow hook never delays the job.
 */
export function callHooks<T, K extends keyof HookContexts<T>>(
  middlewares: readonly Middleware<T>[],
  hook: K,
  context: HookContexts<T>[K],
  tasks: Tasks,
  logger: Logger,
): void {
  for (const middleware of middlewares) {
    const fn = middleware[hook] as ((context: HookContexts<T>[K]) => HookResult) | undefined;
    if (fn === undefined) continue;
    try {
      const result = fn.call(middleware, context);
      if (result instanceof Promise) tasks.add(result);
    } catch (error) {
      logger.error({ hook, actor: context.actor, event: context.event, error: describeValue(error) }, "middleware hook failed");
    }
  }
}
