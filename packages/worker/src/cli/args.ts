import { type ParseArgsConfig, parseArgs } from "node:util";
import { MAX_TIMER_MS } from "@x/core";
import { isValidMessageId, type JobState, MESSAGE_ID_PATTERN } from "@x/message";
import { QueueCliUsageError } from "../errors.js";

/** The option definitions `node:util`'s `parseArgs` takes. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** Parsed command line of one command. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  queue: { type: "string" },
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
} as const satisfies OptionSpecs;

/** A value that parseArgs would take for an option of its own: `-1`, `-0.5`, `-.5`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--priority -1` as `--priority=-1`: parseArgs refuses a value starting with a dash as
 * "ambiguous", yet a negative number can only be a value (no option of ours looks like one).
 */
export function joinNegativeValues(args: readonly string[], options: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = args[i + 1];
    if (arg === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    const spec = name === undefined || !Object.hasOwn(options, name) ? undefined : options[name];
    if (spec?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Parses `args` strictly; an unknown option or a missing value is a {@link QueueCliUsageError}. */
export function parseCommandArgs(command: string, args: readonly string[], options: OptionSpecs): ParsedArgs {
  const all: OptionSpecs = { ...COMMON_OPTIONS, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    const text = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, "") : String(error);
    throw new QueueCliUsageError(`${command}: ${text}`, { cause: error });
  }
}

/** A string option, or `undefined`. */
export function stringArg(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A boolean flag. */
export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/** An integer option within bounds, or `fallback` when absent. */
export function integerArg(parsed: ParsedArgs, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = stringArg(parsed, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = min === Number.MIN_SAFE_INTEGER ? "" : ` from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}`;
    throw new QueueCliUsageError(`--${name} must be an integer${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Limits of a duration option. */
export interface DurationRules {
  /** 0 is not allowed. */
  readonly positive?: boolean;
  /** A wait of ours (a timer): at most setTimeout's longest delay, about 24.8 days. */
  readonly timer?: boolean;
}

/** A duration in milliseconds (>= 0; may be fractional), or `fallback` when absent. */
export function millisecondsArg(
  parsed: ParsedArgs,
  name: string,
  fallback: number,
  { positive = false, timer = false }: DurationRules = {},
): number {
  const text = stringArg(parsed, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (positive && value === 0) || (timer && value > MAX_TIMER_MS)) {
    const range = `${positive ? "> 0" : ">= 0"}${timer ? ` and <= ${MAX_TIMER_MS}` : ""}`;
    throw new QueueCliUsageError(`--${name} must be a number of milliseconds ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Exactly `count` positional arguments, named `names` in the message when they are missing. */
export function positionals(parsed: ParsedArgs, command: string, names: readonly string[]): string[] {
  if (parsed.positionals.length !== names.length) {
    const wanted = names.length === 0 ? "no arguments" : names.map((n) => `<${n}>`).join(" ");
    throw new QueueCliUsageError(
      `${command} takes ${wanted}, got ${parsed.positionals.length === 0 ? "none" : parsed.positionals.join(" ")}`,
    );
  }
  return [...parsed.positionals];
}

/** A job id as the command line gives it; one that no queue could hold is a usage error, not a lookup. */
export function jobIdArg(command: string, id: string): string {
  if (!isValidMessageId(id)) {
    throw new QueueCliUsageError(`${command}: ${JSON.stringify(id)} is not a job id (ids match ${String(MESSAGE_ID_PATTERN)})`);
  }
  return id;
}

const STATES: readonly JobState[] = ["ready", "delayed", "reserved", "buried"];

/** `--state`, one of `allowed`, or `undefined` when absent. */
export function stateArg(parsed: ParsedArgs, command: string, allowed: readonly JobState[] = STATES): JobState | undefined {
  const text = stringArg(parsed, "state");
  if (text === undefined) return undefined;
  const state = allowed.find((s) => s === text);
  if (state === undefined) {
    throw new QueueCliUsageError(
      `${command}: --state must be ${allowed.join(", ").replace(/, ([^,]*)$/, " or $1")}, got ${JSON.stringify(text)}`,
    );
  }
  return state;
}
