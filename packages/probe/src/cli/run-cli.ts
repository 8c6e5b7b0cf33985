import { createWriteStream, openSync } from "node:fs";
import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import type { Logger } from "@x/core";
import { ProbeError, ProbeUsageError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import { createOutput } from "../outputs/destination.js";
import type { Output } from "../outputs/output.js";
import { runProbe } from "../probe.js";
import { type CliArgs, parseCliArgs, USAGE } from "./args.js";
import { EXIT_OUTPUT_LOST, worstExitCode } from "./exit-code.js";
import { type LoadedChecks, loadChecks } from "./load-checks.js";
import { streamLogger } from "./stderr-logger.js";

/** Where the CLI reads and writes; the defaults are the process's. */
export interface CliEnvironment {
  /** Receives `--help`. @default process.stdout */
  readonly stdout?: Writable;
  /** Receives logs and errors. @default process.stderr */
  readonly stderr?: Writable;
  /** Resolves `--checks`. @default process.cwd() */
  readonly cwd?: string;
  /** Install SIGINT, SIGTERM and SIGHUP handlers that shut down cleanly. @default true */
  readonly handleSignals?: boolean;
  /** Stops the probe like a signal does. @default none */
  readonly signal?: AbortSignal;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The message DumbProbe prints for `--once` with a `CHECKS` object; kept word for word. */
export const ONCE_NEEDS_LIST = "CHECKS not being a list or tuple is not supported with --once option";

/**
 * Runs `x-probe` with the given arguments and returns the exit code: 0 after a clean run or a
 * shutdown signal, 1 when the checks module, the log file or `--once` cannot work, 2 for bad
 * usage. `--once` returns the worst Nagios state of its messages (0 ok, 1 warning, 2 critical,
 * 3 unknown), or `EXIT_OUTPUT_LOST` (4) when a message was not delivered.
 */
export async function runCli(argv: readonly string[], env: CliEnvironment = {}): Promise<number> {
  const stdout = env.stdout ?? process.stdout;
  const stderr = env.stderr ?? process.stderr;
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof ProbeUsageError)) throw error;
    stderr.write(`x-probe: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    // From src/cli/ and dist/cli/ alike, the package's own manifest is two levels up.
    const manifest = createRequire(import.meta.url)("../../package.json") as { version: string };
    stdout.write(`${manifest.version}\n`);
    return 0;
  }
  let logStream: Writable = stderr;
  if (args.logFile !== undefined) {
    try {
      logStream = createWriteStream("", { fd: openSync(args.logFile, "a", 0o600) });
    } catch (error) {
      stderr.write(`x-probe: cannot open log file ${args.logFile}: ${errorText(error)}\n`);
      return 1;
    }
  }
  try {
    return await runWithLogger(args, env, streamLogger(logStream, args.logLevel), stderr);
  } finally {
    if (logStream !== stderr) await new Promise<void>((resolve) => logStream.end(resolve));
  }
}

async function runWithLogger(args: CliArgs, env: CliEnvironment, logger: Logger, stderr: Writable): Promise<number> {
  let loaded: LoadedChecks;
  try {
    loaded = await loadChecks(args.checks, env.cwd ?? process.cwd(), {
      logger,
      ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
    });
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    stderr.write(`x-probe: ${error.message}\n`);
    return 1;
  }
  if (args.once && loaded.kind !== "list") {
    stderr.write(`${ONCE_NEEDS_LIST}\n`);
    return 1;
  }
  const output = createOutput(args.destination, { logger });

  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) return;
    logger.info({}, "received signal; shutting down");
    stop.abort(new DOMException("received a stop signal", "AbortError"));
  };
  const onAbort = (): void => {
    stop.abort(env.signal?.reason);
  };
  env.signal?.addEventListener("abort", onAbort, { once: true });
  if (env.handleSignals !== false) for (const name of STOP_SIGNALS) process.on(name, onSignal);
  let code = 0;
  try {
    if (loaded.kind === "list" && args.once) {
      const messages = await loaded.checks.runOnce({ signal: stop.signal });
      for (const message of messages) output.send(message);
      code = worstExitCode(messages);
    } else {
      await runProbe({ checks: loaded.checks, output, signal: stop.signal, logger });
    }
  } finally {
    if (loaded.kind === "list") await loaded.checks.close();
    await finish(output, args.flushTimeoutMs, logger);
    if (env.handleSignals !== false) for (const name of STOP_SIGNALS) process.off(name, onSignal);
    env.signal?.removeEventListener("abort", onAbort);
  }
  if (args.once) {
    const { dropped, pending } = output.stats();
    if (dropped > 0 || pending > 0) {
      logger.error({ output: output.name, undelivered: dropped + pending }, "messages were not delivered");
      return EXIT_OUTPUT_LOST;
    }
  }
  return code;
}

/** Delivers what is pending within the flush timeout, then closes the output. */
async function finish(output: Output, flushTimeoutMs: number, logger: Logger): Promise<void> {
  try {
    await output.flush({ signal: AbortSignal.timeout(flushTimeoutMs) });
  } catch (error) {
    logger.warn({ output: output.name, flushTimeoutMs, error }, "could not deliver everything in time");
  }
  await output.close();
}
