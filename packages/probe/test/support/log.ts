import type { Logger } from "../../src/logger.js";

/** A logger that records `LEVEL message` lines for assertions. */
export function recordingLogger(): Logger & { readonly lines: string[]; has(level: string, text: string): boolean } {
  const lines: string[] = [];
  const at = (level: string) => (message: string): void => {
    lines.push(`${level} ${message}`);
  };
  return {
    lines,
    debug: at("DEBUG"),
    info: at("INFO"),
    warn: at("WARNING"),
    error: at("ERROR"),
    has: (level, text) => lines.some((line) => line.startsWith(`${level} `) && line.includes(text)),
  };
}
