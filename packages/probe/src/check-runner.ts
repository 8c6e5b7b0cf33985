import type { TimeSource } from "@x/core";
import type { Check, CheckFailure } from "./contract.js";
import { CheckNoResultError, CheckTimeoutError } from "./errors.js";
import { errorText } from "./internal/error-text.js";
import { isThenable } from "./internal/thenable.js";
import type { RunContext } from "./run-context.js";

/** How one run ended: with its raw output, or with a failure. */
export type RunOutcome = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly failure: CheckFailure };

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(errorText(value), { cause: value }));

/** A failure outcome of `context`'s run. */
export function failedOutcome(kind: CheckFailure["kind"], error: unknown, context: RunContext): RunOutcome {
  return { ok: false, failure: { kind, error: asError(error), id: context.id, name: context.name } };
}

/**
 * Runs a check once and calls `done` exactly once with the outcome: synchronously when `run()`
 * returns a value or throws, later when it returns a promise. A promise that does not settle
 * within `context.timeoutMs` is abandoned: the context's signal is aborted (shell checks kill
 * their process on it) and `done` gets a `timeout` failure; a late result is ignored.
 */
export function runCheck(check: Check, context: RunContext, time: TimeSource, done: (outcome: RunOutcome) => void): void {
  let result: unknown;
  try {
    result = check.run(context);
  } catch (error) {
    done(failedOutcome("exception", error, context));
    return;
  }
  if (!isThenable(result)) {
    done(
      result === undefined || result === null
        ? failedOutcome("no-result", new CheckNoResultError(), context)
        : { ok: true, output: result },
    );
    return;
  }
  awaitRun(result, context, time, done);
}

/**
 * Waits for an asynchronous run with its timeout: calls `done` once, with the result, the
 * rejection, a `timeout` failure (after aborting the context) or, when the context is aborted
 * from outside, an `exception` failure.
 */
export function awaitRun(result: PromiseLike<unknown>, context: RunContext, time: TimeSource, done: (outcome: RunOutcome) => void): void {
  let settled = false;
  const timer = time.setTimeout(() => {
    if (settled) return;
    settled = true;
    const error = new CheckTimeoutError(context.timeoutMs);
    context.abort(error);
    done(failedOutcome("timeout", error, context));
  }, context.timeoutMs);
  // Aborted from outside (the scheduler closing): stop waiting and free the timer now.
  context.onAbort((reason) => {
    if (settled) return;
    settled = true;
    time.clearTimeout(timer);
    done(failedOutcome("exception", reason, context));
  });
  result.then(
    (output) => {
      if (settled) return;
      settled = true;
      time.clearTimeout(timer);
      done(output === undefined || output === null ? failedOutcome("no-result", new CheckNoResultError(), context) : { ok: true, output });
    },
    (error: unknown) => {
      if (settled) return;
      settled = true;
      time.clearTimeout(timer);
      done(failedOutcome("exception", error, context));
    },
  );
}
