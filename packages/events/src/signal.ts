import { InvalidOptionError } from "@x/core";

/** Refuses a `signal` option that is not an `AbortSignal`: a plain object would never abort. */
export function checkSignal(signal: unknown, option = "signal"): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError(option, signal, "must be an AbortSignal");
}
