import type { Writable } from "node:stream";
import type { Logger } from "../logger.js";
import { LOG_LEVELS, type LogLevel } from "./args.js";

/** A logger writing `[level] message` lines to a stream, dropping levels below `level`. */
export function streamLogger(stream: Writable, level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (name: LogLevel) => (message: string): void => {
    if (LOG_LEVELS.indexOf(name) >= threshold) stream.write(`[${name}] ${message}\n`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warning"), error: line("error") };
}
