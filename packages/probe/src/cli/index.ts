export { runCli, ONCE_NEEDS_LIST } from "./run-cli.js";
export { ProbeUsageError } from "../errors.js";
export { parseCliArgs, USAGE, LOG_LEVELS, DEFAULT_FLUSH_TIMEOUT_MS } from "./args.js";
export type { CliEnvironment } from "./run-cli.js";
export type { CliArgs, LogLevel } from "./args.js";
