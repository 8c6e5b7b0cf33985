import type { HookResult, Middleware } from "../middleware.js";

/**
 * Calls one hook of every wrapped middleware, each even if one before it threw: the first failure
 * comes back as a rejected promise, which the actor logs like any hook's failure.
 */
export function forwardHook(middlewares: readonly Middleware[], call: (middleware: Middleware) => HookResult): HookResult {
  let pending: Promise<void>[] | undefined;
  for (const middleware of middlewares) {
    let result: HookResult;
    try {
      result = call(middleware);
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (result instanceof Promise) (pending ??= []).push(result);
  }
  return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
}
