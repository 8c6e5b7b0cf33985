import { checkOptionKeys } from "@x/core";
import type { Check, CheckContext, CheckOutput } from "../contract.js";
import { InvalidOptionError } from "../errors.js";
import type { Command, CommandResult } from "../internal/command.js";
import { COMMAND_CHECK_OPTION_KEYS, CommandCheck, type CommandCheckOptions } from "./command-check.js";

/** Options for {@link shellCommand}. */
export type ShellCommandOptions = CommandCheckOptions;

/**
 * Turns a command's output into messages: `code` is the exit code, or minus the signal number
 * when a signal killed it (DumbProbe's convention); `result` also has stderr. Return `[]` for
 * no message.
 */
export type ParseOutput = (stdout: string, code: number, result: CommandResult) => CheckOutput | Promise<CheckOutput>;

/** Runs a command on schedule and parses its output (DumbProbe's `ShellCommand`). */
export class ShellCommand extends CommandCheck {
  readonly #parse: ParseOutput;

  constructor(command: Command, parse: ParseOutput, options: ShellCommandOptions) {
    super(command, options);
    if (typeof parse !== "function") throw new InvalidOptionError("parse", parse, "must be a function (stdout, code, result) => messages");
    this.#parse = parse;
  }

  /** Runs the command once and hands its output to `parse`. */
  async run(context: CheckContext): Promise<CheckOutput> {
    const result = await this.execute(context);
    return this.populate(await this.#parse(result.stdout, result.code, result));
  }
}

/**
 * A check that runs `command` every `options.intervalMs` and hands its output to `parse`.
 *
 * @example
 * ```ts
 * const users = shellCommand("who | wc -l", (out) => createMessage({ aspect: "users", value: Number(out) }), { intervalMs: 60_000 });
 * ```
 */
export function shellCommand(command: Command, parse: ParseOutput, options: ShellCommandOptions): Check {
  checkOptionKeys(options, COMMAND_CHECK_OPTION_KEYS, "shellCommand");
  return new ShellCommand(command, parse, options);
}
