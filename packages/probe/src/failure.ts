import type { Check, CheckFailure } from "./contract.js";
import { createMessage } from "./message/build.js";
import type { ProbeMessage } from "./message/types.js";

/** The state value of the default failure message (Nagios' name for "the check itself failed"). */
export const FAILURE_STATE = "unknown";

/** A short text for a failed run, used in logs and in the failure message's comment. */
export function describeFailure(failure: CheckFailure): string {
  switch (failure.kind) {
    case "timeout":
      return failure.error.message;
    case "no-result":
      return "returned nothing";
    case "exception":
      return `raised exception: ${failure.error.message}`;
  }
}

/**
 * The default message for a failed run: state `unknown` with severity `error`, the failure as the
 * comment, the check's aspect (or its name) and location.
 */
export function defaultFailureMessage(check: Check, failure: CheckFailure): ProbeMessage {
  const aspect = typeof check.aspect === "string" && check.aspect !== "" ? check.aspect : failure.name;
  const init = { aspect, state: FAILURE_STATE, severity: "error", comment: describeFailure(failure) } as const;
  try {
    return createMessage({ ...init, location: check.location ?? {} });
  } catch {
    // A check with a malformed `location` still reports that it failed.
    return createMessage(init);
  }
}
