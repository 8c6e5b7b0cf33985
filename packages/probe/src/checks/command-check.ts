import type { CheckContext } from "../contract.js";
import {
  type Command,
  type CommandResult,
  commandArgv,
  commandText,
  runCommand,
  type SpawnCommandOptions,
  spawnOptions,
} from "../internal/command.js";
import { numberOption } from "../internal/options.js";
import { BaseCheck, CHECK_OPTION_KEYS, type CheckOptions } from "./base-check.js";

/** Largest stdout (and stderr) a command may print, by default: 1 MiB. More kills it and fails the run. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The option keys of {@link CommandCheckOptions}. */
export const COMMAND_CHECK_OPTION_KEYS = [...CHECK_OPTION_KEYS, "env", "cwd", "maxOutputBytes"] as const;

/** Options of every check that runs a command. */
export interface CommandCheckOptions extends CheckOptions, SpawnCommandOptions {
  /** Largest stdout kept (bytes); more kills the command and fails the run. @default DEFAULT_MAX_OUTPUT_BYTES */
  readonly maxOutputBytes?: number;
}

/**
 * The base of checks that run a command: a string runs through `/bin/sh -c`, a list runs
 * directly; stdin is /dev/null; stdout and stderr are captured. The command runs in its own
 * process group, killed as a whole when the run times out.
 */
export abstract class CommandCheck extends BaseCheck {
  /** The command, as given. */
  readonly command: Command;
  readonly #maxOutputBytes: number;
  readonly #spawn: SpawnCommandOptions;

  protected constructor(command: Command, options: CommandCheckOptions) {
    super(options);
    commandArgv(command);
    this.command = command;
    this.#maxOutputBytes = numberOption("maxOutputBytes", options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 1);
    this.#spawn = spawnOptions(options);
  }

  protected defaultName(): string {
    return commandText(this.command);
  }

  /** Marks the run and runs the command to completion (killed when the run is aborted). */
  protected async execute(context: CheckContext): Promise<CommandResult> {
    this.markRun(context);
    return runCommand(this.command, { ...this.#spawn, signal: context.signal, maxOutputBytes: this.#maxOutputBytes });
  }
}
