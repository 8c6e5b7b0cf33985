import { checkOptionKeys } from "@x/core";
import type { Check, CheckContext, CheckOutput } from "../contract.js";
import { InvalidOptionError } from "../errors.js";
import { isThenable } from "../internal/thenable.js";
import { BaseCheck, CHECK_OPTION_KEYS, type CheckOptions } from "./base-check.js";

/** The function a {@link functionCheck} calls; it may be async and may use `context.signal`. */
export type CheckFunction = (context: CheckContext) => CheckOutput | Promise<CheckOutput>;

/** Options for {@link functionCheck}; see {@link CheckOptions}. */
export type FunctionCheckOptions = CheckOptions;

/**
 * Calls a function on schedule (DumbProbe's `Function`). Without `aspect` and `location` the
 * result goes out as returned; with either, each message gets them written in, and anything but
 * messages (including `undefined`) fails the run with "invalid message".
 */
export class FunctionCheck extends BaseCheck {
  readonly #fn: CheckFunction;

  constructor(fn: CheckFunction, options: FunctionCheckOptions) {
    super(options);
    if (typeof fn !== "function") throw new InvalidOptionError("fn", fn, "must be a function");
    this.#fn = fn;
  }

  protected defaultName(): string {
    return `${this.#fn.name === "" ? "anonymous" : this.#fn.name}()`;
  }

  /** Calls the function once; writes the aspect and location into what it returns when they are set. */
  run(context: CheckContext): CheckOutput | Promise<CheckOutput> {
    this.markRun(context);
    const result = this.#fn(context);
    if (!this.populates) return result;
    // Any thenable counts as asynchronous, not only a native Promise.
    return isThenable(result) ? Promise.resolve(result).then((output) => this.populate(output)) : this.populate(result);
  }
}

/**
 * A check that calls `fn` every `options.intervalMs`.
 *
 * @example
 * ```ts
 * const uptime = functionCheck(() => createMessage({ aspect: "uptime", value: process.uptime() }), { intervalMs: 60_000 });
 * ```
 */
export function functionCheck(fn: CheckFunction, options: FunctionCheckOptions): Check {
  checkOptionKeys(options, CHECK_OPTION_KEYS, "functionCheck");
  return new FunctionCheck(fn, options);
}
