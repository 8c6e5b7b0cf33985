export { ProbeUsageError } from "../errors.js";
export type { CliArgs, LogLevel } from "./args.js";
export { DEFAULT_FLUSH_TIMEOUT_MS, LOG_LEVELS, parseCliArgs, USAGE } from "./args.js";
export type { CliEnvironment } from "./run-cli.js";
export { ONCE_NEEDS_LIST, runCli } from "./run-cli.js";
