import type { LogFields, Logger } from "@x/core";
import { formatFields } from "../../src/cli/stderr-logger.js";

/** One recorded log call. */
export interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: LogFields;
}

/**
 * A logger that records every call, and each as a `LEVEL message key=value ...` line (the CLI's
 * format) for assertions on the text.
 */
export function recordingLogger(): Logger & {
  readonly lines: string[];
  readonly entries: LogEntry[];
  has(level: string, text: string): boolean;
} {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (fields: LogFields, message: string): void => {
      entries.push({ level, message, fields });
      const details = formatFields(fields);
      lines.push(`${level} ${message}${details === "" ? "" : ` ${details}`}`);
    };
  return {
    lines,
    entries,
    debug: at("DEBUG"),
    info: at("INFO"),
    warn: at("WARNING"),
    error: at("ERROR"),
    has: (level, text) => lines.some((line) => line.startsWith(`${level} `) && line.includes(text)),
  };
}
