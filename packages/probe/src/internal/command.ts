import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { CommandError, InvalidOptionError } from "../errors.js";
import { stringOption, stringRecordOption } from "./options.js";

/** A command: a string runs through `/bin/sh -c`, a list runs directly (DumbProbe's rule). */
export type Command = string | readonly string[];

/** Options for spawning a command. */
export interface SpawnCommandOptions {
  /** Extra environment variables; the probe's environment is inherited. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. @default the probe's */
  readonly cwd?: string;
}

/** The validated spawn options of a larger options object, without `undefined` fields. */
export function spawnOptions(options: SpawnCommandOptions): SpawnCommandOptions {
  return {
    ...(options.env === undefined ? {} : { env: stringRecordOption("env", options.env) }),
    ...(options.cwd === undefined ? {} : { cwd: stringOption("cwd", options.cwd) }),
  };
}

/** Validates a command and returns `[file, args]`. */
export function commandArgv(command: Command, option = "command"): [string, string[]] {
  if (typeof command === "string") {
    if (command.trim() === "") throw new InvalidOptionError(option, command, "is an empty string");
    return ["/bin/sh", ["-c", command]];
  }
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === "string")) {
    throw new InvalidOptionError(option, command, "must be a string or a non-empty list of strings");
  }
  const [file = "", ...args] = command as readonly string[];
  return [file, args];
}

/** The command as text, for names and logs. */
export function commandText(command: Command): string {
  return typeof command === "string" ? command : command.join(" ");
}

/**
 * Spawns a command in its own process group with stdin from /dev/null, so a timeout or a close
 * can kill the whole tree (`/bin/sh -c` and whatever it started), not just the shell.
 */
export function spawnCommand(command: Command, options: SpawnCommandOptions = {}): ChildProcess {
  const [file, args] = commandArgv(command);
  return spawn(file, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: options.env === undefined ? process.env : { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/** Kills a spawned command's process group; errors (already gone) are ignored. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  // Even when the leader has exited, members of its group may still hold the pipes open.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left to kill.
  }
}

/** The number of a signal name (`SIGTERM` -> 15), or 0 when unknown. */
export function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Partial<Record<string, number>>)[signal] ?? 0;
}

/** How a command ended. */
export interface CommandResult {
  /** Everything the command printed on stdout (UTF-8). */
  readonly stdout: string;
  /** What it printed on stderr (UTF-8), up to the output limit. */
  readonly stderr: string;
  /** The exit code, or `null` when a signal killed it. */
  readonly exitCode: number | null;
  /** The signal that killed it, or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** DumbProbe's convention: the exit code, or minus the signal number when killed. */
  readonly code: number;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions extends SpawnCommandOptions {
  /** Kills the process group and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Largest stdout (and, separately, stderr) kept, in bytes; more kills the command. */
  readonly maxOutputBytes: number;
}

/** Runs a command to completion and collects its output. */
export async function runCommand(command: Command, options: RunCommandOptions): Promise<CommandResult> {
  options.signal?.throwIfAborted();
  const child = spawnCommand(command, options);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrBytes = 0;
  return new Promise<CommandResult>((resolve, reject) => {
    let done = false;
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      options.signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const fail = (error: unknown): void => {
      if (!settle()) return;
      killGroup(child);
      reject(error);
    };
    const onAbort = (): void => {
      fail(options.signal?.reason);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes)
        fail(new CommandError(`${commandText(command)}: output exceeds ${options.maxOutputBytes} bytes`));
      else stdout.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      // stderr beyond the limit is dropped, not fatal: it is only kept for messages and logs.
      if (stderrBytes < options.maxOutputBytes) stderr.push(chunk);
      stderrBytes += chunk.length;
    });
    child.once("error", (error) => {
      fail(new CommandError(`cannot run ${commandText(command)}: ${error.message}`, { cause: error }));
    });
    child.once("close", (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (!settle()) return;
      resolve({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8").slice(0, options.maxOutputBytes),
        exitCode,
        signal,
        code: exitCode ?? (signal === null ? -1 : -signalNumber(signal)),
      });
    });
  });
}
