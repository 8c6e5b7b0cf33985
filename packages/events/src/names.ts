import { InvalidNameError } from "./errors.js";

/** Longest event or actor name walnats' linter accepts (NATS allows more; walnats keeps it sane). */
export const MAX_NAME_LENGTH = 64;
/** Longest description; it becomes the stream or consumer description. */
export const MAX_DESCRIPTION_LENGTH = 4096;

const INVALID_SYMBOLS = /[ \t\r\n\f.*>]/;
const KEBAB = /^[a-z0-9-]*$/;

type Kind = "event" | "actor";

// walnats' linter numbers the actor rules 20 higher than the event rules (WNS001 <-> WNS021).
const rule = (kind: Kind, n: number): string => `WNS0${String(kind === "event" ? n : n + 20).padStart(2, "0")}`;

/**
 * Checks an event or actor name with walnats' linter rules (WNS001-004 / WNS021-024): not empty,
 * at most 64 characters, no whitespace, `.`, `*` or `>`, kebab-case. Throws
 * {@link InvalidNameError} with the rule code.
 */
export function validateName(kind: Kind, name: string): void {
  if (typeof name !== "string" || name.length === 0) throw new InvalidNameError(rule(kind, 1), `${kind} name is empty`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(rule(kind, 2), `${kind} name "${name}" is too long (${name.length} > ${MAX_NAME_LENGTH})`);
  }
  if (INVALID_SYMBOLS.test(name)) {
    throw new InvalidNameError(rule(kind, 3), `${kind} name "${name}" has invalid symbols (whitespace, ".", "*" or ">")`);
  }
  if (!KEBAB.test(name)) throw new InvalidNameError(rule(kind, 4), `${kind} name "${name}" should use kebab-case`);
}

/** Checks a description (WNS005-006 / WNS025-026): when given, not empty and at most 4 KiB. */
export function validateDescription(kind: Kind, description: string | undefined): void {
  if (description === undefined) return;
  if (typeof description !== "string" || description.length === 0) {
    throw new InvalidNameError(rule(kind, 5), `${kind} description is empty`);
  }
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidNameError(rule(kind, 6), `${kind} description is too long (${description.length} > ${MAX_DESCRIPTION_LENGTH})`);
  }
}

/**
 * The JetStream stream name of an event: the name with every `.` replaced by `-` (walnats'
 * mapping). Validated names never contain a dot, so for them it is the name itself.
 */
export function streamNameOf(eventName: string): string {
  return eventName.replaceAll(".", "-");
}
