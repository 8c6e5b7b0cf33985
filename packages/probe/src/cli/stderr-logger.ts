import type { Writable } from "node:stream";
import { describeValue, type LogFields, type Logger } from "@x/core";
import { errorText } from "../internal/error-text.js";
import { LOG_LEVELS, type LogLevel } from "./args.js";

/** Longest field value printed; the rest is cut, so one huge value cannot flood the terminal. */
const MAX_VALUE_LENGTH = 500;

/** A value as a person reads it: bare when it is one simple word, quoted as JSON otherwise. */
function formatValue(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = errorText(value);
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" || value === null || value === undefined)
    return String(value);
  else {
    text = describeValue(value, MAX_VALUE_LENGTH);
  }
  if (text.length > MAX_VALUE_LENGTH) text = `${text.slice(0, MAX_VALUE_LENGTH)}…`;
  // Quoting escapes newlines too, so a value cannot forge a log line.
  return /^[\w./:@#+()-]+$/.test(text) ? text : JSON.stringify(text);
}

/** `key=value` pairs of a log line's fields, in their order. */
export function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(" ");
}

/**
 * A logger of `@x/core`'s shape writing `[level] message key=value ...` lines to a stream,
 * dropping levels below `level`: readable in a terminal, and each field still a field.
 */
export function streamLogger(stream: Writable, level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line =
    (name: LogLevel) =>
    (fields: LogFields, message: string): void => {
      if (LOG_LEVELS.indexOf(name) < threshold) return;
      const details = formatFields(fields);
      stream.write(`[${name}] ${message}${details === "" ? "" : ` ${details}`}\n`);
    };
  return { debug: line("debug"), info: line("info"), warn: line("warning"), error: line("error") };
}
