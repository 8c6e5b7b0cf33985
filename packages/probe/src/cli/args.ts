import { parseArgs } from "node:util";
import { ProbeUsageError, UnixDatagramUnsupportedError } from "../errors.js";
import { chooseDatagramRelay } from "../outputs/datagram-relay.js";
import { type Destination, parseDestination } from "../outputs/destination.js";

/** Log levels of the CLI, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;

/** A CLI log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Time allowed to flush outputs at exit, by default: 5 s. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;

/** Parsed command line of `x-probe`. */
export interface CliArgs {
  /** `--help` / `-h`: print the usage and exit 0. */
  readonly help: boolean;
  /** `--version` / `-v`: print the package version and exit 0. */
  readonly version: boolean;
  /** `--checks FILE`: the checks module (`""` only with `--help`). */
  readonly checks: string;
  /** `--once`: run each check once, in list order, then exit. */
  readonly once: boolean;
  /** `--destination ADDR` (or `--dest`), parsed; stdout by default. */
  readonly destination: Destination;
  /** `--log-level`: the least severe level logged; `warning` by default. */
  readonly logLevel: LogLevel;
  /** `--logging FILE` (or `--log-file FILE`): append logs to this file instead of stderr; `undefined` for stderr. */
  readonly logFile: string | undefined;
  /** `--flush-timeout MS`: time allowed to deliver pending messages at exit; `DEFAULT_FLUSH_TIMEOUT_MS` by default. */
  readonly flushTimeoutMs: number;
  /** `--concurrency N`, or `undefined` for the scheduler's default. */
  readonly concurrency: number | undefined;
  /** `--timeout MS`, or `undefined` for the scheduler's default. */
  readonly timeoutMs: number | undefined;
}

/** The `--help` text. */
export const USAGE = `Usage: x-probe --checks FILE [--once] [--destination ADDR] [options]

Runs the checks a module exports as CHECKS and sends their messages (seismometer v3,
one JSON document per line) to a destination.

Options:
  --checks FILE          module exporting CHECKS: a list of checks and handles, or an
                         object with runNext()
  --once                 run each check once, in list order, then exit (for cron)
  --destination ADDR     stdout (default), tcp:HOST:PORT, udp:HOST:PORT,
  --dest ADDR            unix:PATH (a datagram socket, through python3 or socat),
                         unix-stream:PATH or file:PATH; IPv6 hosts in brackets:
                         tcp:[::1]:5000
  --log-level LEVEL      debug, info, warning (default) or error; logs go to stderr
  --logging FILE         append the logs to FILE (created 0600) instead of stderr
  --log-file FILE        the same
  --flush-timeout MS     time allowed to deliver pending messages at exit (default 5000)
  --concurrency N        checks running at the same time, at most (default 10)
  --timeout MS           timeout of a check run unless the check sets one (default 30000)
  -h, --help             show this help
  -v, --version          print the version of x-probe

Exit status of --once: the worst state of the messages, as Nagios (0 ok, 1 warning,
2 critical, 3 unknown; critical > warning > unknown > ok), or 4 when a message could
not be delivered. 1 also when the checks module cannot be used, 2 for bad usage.
`;

function positiveInteger(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new ProbeUsageError(`invalid --${option}: expected a positive integer, got "${text}"`);
  return Number(text);
}

/** Parses `x-probe`'s arguments; throws {@link ProbeUsageError} with a message for the user. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: ReturnType<typeof parse>["values"];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new ProbeUsageError((error as Error).message, { cause: error });
  }
  const help = values.help === true;
  const version = values.version === true;
  const checks = values.checks;
  if (!help && !version && (checks === undefined || checks === "")) throw new ProbeUsageError("--checks is required");
  const address = values.destination ?? values.dest ?? "stdout";
  let destination: Destination;
  try {
    destination = parseDestination(address);
  } catch (error) {
    throw new ProbeUsageError(`invalid --destination: ${(error as Error).message}`, { cause: error });
  }
  if (destination.kind === "unix" && chooseDatagramRelay(destination.path, { searchPath: process.env.PATH }) === undefined) {
    // Refused before any check runs, so nothing is lost to a relay that cannot start.
    const error = new UnixDatagramUnsupportedError(destination.path);
    throw new ProbeUsageError(`invalid --destination: ${error.message}`, { cause: error });
  }
  if (values.logging !== undefined && values["log-file"] !== undefined && values.logging !== values["log-file"])
    throw new ProbeUsageError("--logging and --log-file name different files");
  const logFile = values.logging ?? values["log-file"];
  if (logFile === "") throw new ProbeUsageError("invalid --logging: expected a file name");
  // DumbProbe's users may pass a logging configuration here; appending log lines to it would damage it.
  if (logFile !== undefined && /\.(ya?ml|json|ini|conf|cfg)$/i.test(logFile))
    throw new ProbeUsageError(
      `invalid --logging "${logFile}": x-probe appends its logs to this file and does not read logging configurations; give a log file and set the level with --log-level`,
    );
  const level = values["log-level"] ?? "warning";
  const logLevel = level === "warn" ? "warning" : level;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new ProbeUsageError(`invalid --log-level "${level}": expected ${LOG_LEVELS.join(", ")}`);
  return {
    help,
    version,
    checks: checks ?? "",
    once: values.once === true,
    destination,
    logLevel: logLevel as LogLevel,
    logFile,
    flushTimeoutMs: positiveInteger("flush-timeout", values["flush-timeout"]) ?? DEFAULT_FLUSH_TIMEOUT_MS,
    concurrency: positiveInteger("concurrency", values.concurrency),
    timeoutMs: positiveInteger("timeout", values.timeout),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      checks: { type: "string" },
      once: { type: "boolean" },
      destination: { type: "string" },
      dest: { type: "string" },
      "log-level": { type: "string" },
      logging: { type: "string" },
      "log-file": { type: "string" },
      "flush-timeout": { type: "string" },
      concurrency: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}
