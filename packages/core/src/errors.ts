/**
 * The error vocabulary every package builds on. Each package has one base class extending
 * {@link XError}; every class carries a stable `code`, unique across the toolkit, so callers
 * branch on `instanceof` or `code`, never on message text.
 */

/** Base class of every error thrown by an `@x` package. */
export class XError extends Error {
  /** Stable, machine-readable code, unique across the toolkit (`ERR_X_...`). Safe to branch on. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An option of a factory or method has a bad value, or is not an option at all. `option` names
 * it (`concurrency`, `ackWaitMs`), `value` is what was given.
 */
export class InvalidOptionError extends XError {
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, problem: string, options?: ErrorOptions) {
    super("ERR_X_INVALID_OPTION", `option \`${option}\` ${problem}${describeGiven(value)}`, options);
    this.option = option;
    this.value = value;
  }
}

function describeGiven(value: unknown): string {
  if (value === undefined) return "";
  return `, got ${describeValue(value, 60)}`;
}

/**
 * A short, single-line, bounded description of any value: an Error's name and message, a
 * string as it is, anything else as JSON where possible. For log fields, bury reasons and
 * error messages; safe with cycles, BigInt and symbols.
 */
export function describeValue(value: unknown, maxLength = 500): string {
  try {
    return describeOrThrow(value, maxLength);
  } catch {
    // A revoked proxy or a getter that throws: the description must never be the next failure.
    return "[a value that cannot be described]";
  }
}

function describeOrThrow(value: unknown, maxLength: number): string {
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else if (typeof value === "string") text = value;
  else if (typeof value === "function") text = `[function ${value.name || "anonymous"}]`;
  else if (typeof value === "symbol" || typeof value === "bigint") text = String(value);
  else {
    try {
      // JSON.stringify gives undefined for undefined, which its type does not admit.
      const json = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? `${inner.toString()}n` : inner)) as
        | string
        | undefined;
      text = json ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  text = text.replace(/[\r\n]+/g, " ");
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
