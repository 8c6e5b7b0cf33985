import { checkOptionKeys } from "@x/core";
import type { Check, CheckContext, CheckFailure, CheckOutput } from "../contract.js";
import { InvalidOptionError } from "../errors.js";
import type { Command } from "../internal/command.js";
import { booleanOption } from "../internal/options.js";
import { createMessage, metric, type ThresholdInit, type ValueInit } from "../message/build.js";
import type { ProbeMessage, Severity } from "../message/types.js";
import { vsetEntryProblem } from "../message/validate.js";
import { COMMAND_CHECK_OPTION_KEYS, CommandCheck, type CommandCheckOptions } from "./command-check.js";
import { type PerfdataItem, type PerfdataRange, parsePerfdata, splitPluginOutput } from "./perfdata.js";

/** Options for {@link nagiosCheck}. */
export interface NagiosCheckOptions extends CommandCheckOptions {
  /** The aspect of the messages. Required. */
  readonly aspect: string;
  /** Put the plugin's text output (first line, and stderr when it printed nothing) into `event.comment`. @default false */
  readonly comment?: boolean;
  /**
   * When the values carry thresholds, the metric message has no state (seismometer's v3
   * convention, DumbProbe's behaviour), so the plugin's verdict would be lost: with `true`, a
   * second, state-only message for the same aspect follows it with the exit status's state.
   * `false` is DumbProbe's output exactly. @default true
   */
  readonly stateMessage?: boolean;
}

/** A Nagios state and its seismometer severity. */
export interface NagiosState {
  /** The Nagios state name. */
  readonly state: "ok" | "warning" | "critical" | "unknown";
  /** Its seismometer severity: `expected` for ok, `warning` for warning, `error` otherwise. */
  readonly severity: Severity;
}

/** Maps a plugin's exit code to a state: 0 ok, 1 warning, 2 critical, anything else (3, signals) unknown. */
export function nagiosState(exitCode: number | null): NagiosState {
  switch (exitCode) {
    case 0:
      return { state: "ok", severity: "expected" };
    case 1:
      return { state: "warning", severity: "warning" };
    case 2:
      return { state: "critical", severity: "error" };
    default:
      return { state: "unknown", severity: "error" };
  }
}

function thresholds(
  range: PerfdataRange | undefined,
  name: string,
  severity: ThresholdInit["severity"],
): { above: ThresholdInit[]; below: ThresholdInit[] } {
  // seismometer thresholds say "alert above" and "alert below"; an `@` range ("alert inside")
  // cannot be expressed with them and is left out.
  if (range === undefined || range.inside) return { above: [], below: [] };
  return {
    above: Number.isFinite(range.end) ? [{ name, value: range.end, severity }] : [],
    below: range.explicitStart && Number.isFinite(range.start) ? [{ name, value: range.start, severity }] : [],
  };
}

/** The vset entry of one perfdata item: value, unit, thresholds from warn/crit, min and max. */
export function perfdataValue(item: PerfdataItem): ValueInit {
  const warn = thresholds(item.warn, "warning", "warning");
  const crit = thresholds(item.crit, "critical", "error");
  return {
    value: item.value,
    ...(item.unit === "" ? {} : { unit: item.unit }),
    above: [...warn.above, ...crit.above],
    below: [...warn.below, ...crit.below],
    ...(item.min === undefined ? {} : { min: item.min }),
    ...(item.max === undefined ? {} : { max: item.max }),
  };
}

/**
 * The vset values of a plugin's performance data, and one report per item skipped. Each item is
 * kept or skipped on its own: one that cannot go into a message (malformed, `1e309`, a label such
 * as `constructor`, a repeated label) must not cost the others and the plugin's state.
 */
export function perfdataValues(perfdataText: string): { values: Record<string, ValueInit>; skipped: string[] } {
  const perfdata = parsePerfdata(perfdataText);
  const skipped = [...perfdata.errors];
  const kept = new Map<string, ValueInit>();
  for (const item of perfdata.items) {
    if (kept.has(item.label)) {
      skipped.push(`'${item.label}': the label appears again; the first value is kept`);
      continue;
    }
    const value = perfdataValue(item);
    const problem = vsetEntryProblem(item.label, metric(value));
    if (problem === undefined) kept.set(item.label, value);
    else if (problem.includes("forbidden key")) skipped.push(`'${item.label}': the label cannot be a value name (${problem})`);
    else skipped.push(`'${item.label}': ${problem}`);
  }
  // A Map, then own data properties: no label is ever assigned onto an object's prototype chain.
  return { values: Object.fromEntries(kept), skipped };
}

/**
 * Runs a Monitoring Plugins (Nagios) command on schedule (DumbProbe's `Nagios`). The exit code
 * gives the state; performance data on any line becomes `event.vset`. As in DumbProbe, a message
 * whose values carry thresholds has no state; unlike DumbProbe, a state-only message for the same
 * aspect follows it, so the plugin's verdict is never lost (`stateMessage: false` turns it off).
 * A plugin that hangs is killed at the timeout and reported `unknown`.
 */
export class NagiosCheck extends CommandCheck {
  /** The aspect of its messages (`event.name`). */
  override readonly aspect: string;
  readonly #comment: boolean;
  readonly #stateMessage: boolean;

  constructor(command: Command, options: NagiosCheckOptions) {
    super(command, options);
    if (typeof (options.aspect as string | undefined) !== "string") throw new InvalidOptionError("aspect", options.aspect, "is required");
    this.aspect = options.aspect;
    this.#comment = booleanOption("comment", options.comment, false);
    this.#stateMessage = booleanOption("stateMessage", options.stateMessage, true);
  }

  /** Runs the plugin once and turns its exit code and output into a message. */
  async run(context: CheckContext): Promise<CheckOutput> {
    const result = await this.execute(context);
    const { state, severity } = nagiosState(result.exitCode);
    const output = splitPluginOutput(result.stdout);
    const { values, skipped } = perfdataValues(output.perfdata);
    for (const problem of skipped) context.logger.warn({ problem }, "bad performance data");
    const kept = Object.values(values);
    const hasThresholds = kept.some((v) => (v.above?.length ?? 0) > 0 || (v.below?.length ?? 0) > 0);
    const text = output.text !== "" ? output.text : (result.stderr.trim().split("\n")[0] ?? "");
    const comment = this.#comment && text !== "" ? { comment: text } : {};
    const message = createMessage({
      aspect: this.aspect,
      location: this.location,
      ...(hasThresholds ? {} : { state, severity }),
      ...(kept.length > 0 ? { values } : {}),
      ...comment,
    });
    if (!hasThresholds || !this.#stateMessage) return message;
    // The exit status is the plugin's verdict; thresholds alone cannot say it (check_swap's
    // `swap=0B;0;0;0;0` is critical with every threshold met).
    return [message, createMessage({ aspect: this.aspect, location: this.location, state, severity, ...comment })];
  }

  /** A plugin that timed out or could not run is `unknown`/`error`, as Nagios reports it. */
  failureMessages(failure: CheckFailure): ProbeMessage {
    const comment = failure.kind === "timeout" ? `plugin ${failure.error.message}` : `plugin failed: ${failure.error.message}`;
    return createMessage({ aspect: this.aspect, location: this.location, state: "unknown", severity: "error", comment });
  }
}

/**
 * A check that runs a Nagios plugin every `options.intervalMs`.
 *
 * @example
 * ```ts
 * const load = nagiosCheck(["/usr/lib/nagios/plugins/check_load", "-w", "5", "-c", "10"], { aspect: "load", intervalMs: 60_000 });
 * ```
 */
export function nagiosCheck(command: Command, options: NagiosCheckOptions): Check {
  checkOptionKeys(options, [...COMMAND_CHECK_OPTION_KEYS, "comment", "stateMessage"], "nagiosCheck");
  return new NagiosCheck(command, options);
}
