import { InvalidOptionError } from "@x/core";
import { InvalidNameError } from "./errors.js";

/** Longest event or actor name walnats' linter accepts (NATS allows more; walnats keeps it sane). */
export const MAX_NAME_LENGTH = 64;
/** Longest description; it becomes the stream or consumer description. */
export const MAX_DESCRIPTION_LENGTH = 4096;

const INVALID_SYMBOLS = /[ \t\r\n\f.*>]/;
const KEBAB = /^[a-z0-9-]*$/;

type Kind = "event" | "actor";

/**
 * Which names are accepted: `"strict"` (walnats' linter rules, the default) or `"walnats"` (what
 * walnats accepts at runtime: capitals, `_`, and for events dots, which make a multi-token subject).
 */
export type NameRules = "strict" | "walnats";

const NAME_RULES: readonly NameRules[] = ["strict", "walnats"];
/** Longest name walnats accepts at runtime (its stream name assertion). */
export const MAX_WALNATS_NAME_LENGTH = 255;
// What NATS refuses in a stream or consumer name besides whitespace, and in a subject token.
const WALNATS_FORBIDDEN = /[\s*>/\\]/;
function hasControlCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Checks the `names` option of `Event` and `Actor`. */
export function nameRulesOption(value: unknown): NameRules {
  if (value === undefined) return "strict";
  if (!NAME_RULES.includes(value as NameRules)) {
    throw new InvalidOptionError("names", value, `must be one of ${NAME_RULES.join(", ")}`);
  }
  return value as NameRules;
}

// walnats' linter numbers the actor rules 20 higher than the event rules (WNS001 <-> WNS021).
const rule = (kind: Kind, n: number): string => `WNS0${String(kind === "event" ? n : n + 20).padStart(2, "0")}`;

/**
 * Checks an event or actor name with walnats' linter rules (WNS001-004 / WNS021-024): not empty,
 * at most 64 characters, no whitespace, `.`, `*` or `>`, kebab-case. Throws
 * {@link InvalidNameError} with the rule code. With `"walnats"` rules, see {@link validateWalnatsName}.
 */
export function validateName(kind: Kind, name: string, rules: NameRules = "strict"): void {
  if (typeof name !== "string" || name.length === 0) throw new InvalidNameError(rule(kind, 1), `${kind} name is empty`);
  if (rules === "walnats") {
    validateWalnatsName(kind, name);
    return;
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(rule(kind, 2), `${kind} name "${name}" is too long (${name.length} > ${MAX_NAME_LENGTH})`);
  }
  if (INVALID_SYMBOLS.test(name)) {
    throw new InvalidNameError(rule(kind, 3), `${kind} name "${name}" has invalid symbols (whitespace, ".", "*" or ">")`);
  }
  if (!KEBAB.test(name)) throw new InvalidNameError(rule(kind, 4), `${kind} name "${name}" should use kebab-case`);
}

/**
 * What walnats accepts at runtime and NATS can carry: at most 255 characters, capitals and `_`
 * allowed, no whitespace, `*`, `>`, `/`, `\\` or control characters. An event name may hold dots
 * (its subject then has several tokens, none empty; its stream name has `-` for each dot); an
 * actor name may not, because it is a durable consumer's name.
 */
function validateWalnatsName(kind: Kind, name: string): void {
  if (name.length > MAX_WALNATS_NAME_LENGTH) {
    throw new InvalidNameError(
      rule(kind, 2),
      `${kind} name "${name.slice(0, 64)}..." is too long (${name.length} > ${MAX_WALNATS_NAME_LENGTH})`,
    );
  }
  const emptyToken = kind === "event" && name.split(".").includes("");
  if (WALNATS_FORBIDDEN.test(name) || hasControlCharacter(name) || emptyToken || (kind === "actor" && name.includes("."))) {
    throw new InvalidNameError(
      rule(kind, 3),
      `${kind} name "${name}" has invalid symbols (whitespace, "*", ">", "/", "\\"${kind === "actor" ? ', "."' : ", an empty dot-separated token"})`,
    );
  }
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
