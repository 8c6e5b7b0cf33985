import { types } from "node:util";

/** Longest description {@link describeError} returns unless told otherwise, in characters. */
export const DEFAULT_DESCRIPTION_LENGTH = 1_000;

/**
 * Object and array members JSON.stringify visits at most: a huge thrown value costs bounded work,
 * and a description that long is cut anyway.
 */
const MAX_VISITED = 2_000;

const cut = (text: string, maxLength: number): string => (text.length > maxLength ? `${text.slice(0, Math.max(0, maxLength - 1))}…` : text);

/** A class name worth showing (`PaymentDeclined {...}`); none for plain objects and arrays. */
function className(value: object): string | undefined {
  if (Array.isArray(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return undefined;
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : undefined;
}

/** A `toString` of the value's own class (not Object's or Array's), which says what its author meant. */
function customString(value: object): string | undefined {
  const toString = (value as { toString?: unknown }).toString;
  if (typeof toString !== "function" || toString === Object.prototype.toString || toString === Array.prototype.toString) return undefined;
  let text: unknown;
  try {
    text = toString.call(value);
  } catch {
    // A toString that throws says nothing; the JSON may still say something.
    return undefined;
  }
  return typeof text === "string" && !text.startsWith("[object ") ? text : undefined;
}

/**
 * JSON of any value, safe with what JSON refuses: cycles become `"[Circular]"`, BigInts `"10n"`,
 * symbols and functions their names. Undefined when JSON has nothing to say (`toJSON` gave nothing).
 */
function safeJson(value: unknown): string | undefined {
  // The chain of objects from the root to the one being written: a value already on it is a
  // cycle; one seen elsewhere (shared, not cyclic) is written again.
  const ancestors: object[] = [];
  let visited = 0;
  return JSON.stringify(value, function (this: unknown, _key: string, member: unknown): unknown {
    switch (typeof member) {
      case "bigint":
        return `${member.toString()}n`;
      case "symbol":
        return member.toString();
      case "function":
        return `[Function ${member.name === "" ? "(anonymous)" : member.name}]`;
      case "object": {
        if (member === null) return member;
        if (++visited > MAX_VISITED) return "…";
        ancestors.length = ancestors.lastIndexOf(this as object) + 1;
        if (ancestors.includes(member)) return "[Circular]";
        ancestors.push(member);
        return member;
      }
      default:
        return member;
    }
  });
}

function describeObject(value: object): string {
  if (value instanceof Error || types.isNativeError(value)) return `${value.name}: ${value.message}`;
  const custom = customString(value);
  if (custom !== undefined) return custom;
  const json = safeJson(value) ?? Object.prototype.toString.call(value);
  const name = className(value);
  return name === undefined ? json : `${name} ${json}`;
}

/**
 * Describes whatever a handler threw, for bury reasons, events and logs: `Name: message` for an
 * `Error` (also one from another realm), the text of a string, a class's own `toString()`, else
 * JSON (`{"code":"E_CARD","cents":1200}`, prefixed with the class name of a non-plain object) that
 * survives cycles, BigInts, symbols and functions. At most `maxLength` characters (cut with `…`).
 *
 * Handlers may throw anything, including values whose every conversion throws (a revoked proxy,
 * a getter that throws), so this never throws: a job must be settled whatever its handler threw.
 * That is why it is not `@x/core`'s `describeValue`, which is made for log fields and values we
 * built ourselves: it may throw on a hostile value, and says less about a thrown object (no class
 * name, no own `toString()`, and only `[object Object]` for one with a cycle).
 */
export function describeError(error: unknown, maxLength = DEFAULT_DESCRIPTION_LENGTH): string {
  let text: string;
  try {
    text =
      typeof error === "object" && error !== null
        ? describeObject(error)
        : typeof error === "function"
          ? `[Function ${error.name === "" ? "(anonymous)" : error.name}]`
          : String(error);
  } catch {
    try {
      text = Object.prototype.toString.call(error);
    } catch {
      text = `an unprintable ${typeof error}`;
    }
  }
  return cut(text, maxLength);
}
