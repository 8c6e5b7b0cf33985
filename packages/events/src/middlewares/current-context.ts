import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Middleware } from "../middleware.js";

/** A middleware that makes the running job's context available anywhere below its handler. */
export interface CurrentContext extends Middleware {
  /** The context of the job whose handler (or code it called) is running now, if any. */
  readonly context: Context | undefined;
}

/**
 * walnats' `CurrentContextMiddleware` on AsyncLocalStorage: `onStart` enters the job's context,
 * and code deep inside the handler reads `current.context` without it being passed around (for
 * log correlation, tracing ids, ...). Each job runs in its own async context, so concurrent jobs
 * each see their own.
 */
export function currentContext(): CurrentContext {
  const storage = new AsyncLocalStorage<Context>();
  return Object.freeze({
    get context(): Context | undefined {
      return storage.getStore();
    },
    onStart(ctx: Context): void {
      storage.enterWith(ctx);
    },
  });
}
