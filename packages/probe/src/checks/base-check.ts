import { durationMsOption } from "@x/core";
import type { Check, CheckContext, CheckOutput, OnError } from "../contract.js";
import { InvalidOptionError, InvalidProbeMessageError } from "../errors.js";
import { enumOption, stringOption, stringRecordOption } from "../internal/options.js";
import type { ProbeMessage } from "../message/types.js";

/** Scheduling and labelling options shared by every bundled check. */
export interface CheckOptions {
  /** Time between the starts of two runs (ms). Required. */
  readonly intervalMs: number;
  /** Aspect written into every message (`event.name`). @default none: messages keep their own */
  readonly aspect?: string;
  /** Location merged into every message; these keys win. @default {} */
  readonly location?: Readonly<Record<string, string>>;
  /** Timeout of each run (ms). @default the scheduler's `timeoutMs` */
  readonly timeoutMs?: number;
  /** What a failed run sends. @default the scheduler's `onError` */
  readonly onError?: OnError;
  /** Name in logs. @default derived from the check (function name, command, URL) */
  readonly name?: string;
}

/** The option keys of {@link CheckOptions}, which every bundled check takes. */
export const CHECK_OPTION_KEYS = ["intervalMs", "aspect", "location", "timeoutMs", "onError", "name"] as const;

/** Granularity of the phase of a new schedule grid (ms). */
const GRID_MS = 100;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "list" : typeof value;
}

/**
 * The base of the bundled checks, and of a check you write that runs on an interval (DumbProbe's
 * `BaseCheck`): implement `run()` (calling `markRun(context)` first) and `defaultName()`, and
 * use `populate()` to write the `aspect` and `location` options into your messages. It runs every `intervalMs`, measured
 * start to start on a fixed grid. A run that starts late keeps the grid unless it is a whole
 * interval behind, so the schedule neither drifts nor bursts to catch up. `lastRun` starts at 0,
 * so every check is due at start-up, in interval order (then list order).
 */
export abstract class BaseCheck implements Check {
  /** Time between the starts of two runs (ms). */
  readonly intervalMs: number;
  /** Aspect written into every message, if any. */
  readonly aspect: string | undefined;
  /** Location merged into every message (a copy of the option). */
  readonly location: Readonly<Record<string, string>>;
  /** Timeout of each run (ms), if the check sets its own. */
  readonly timeoutMs: number | undefined;
  /** What a failed run sends, if the check sets it. */
  readonly onError: OnError | undefined;
  /** Start of the last run (its due time when on schedule), on the scheduler's clock. */
  lastRun = 0;
  /** Whether messages need the aspect or location written into them. */
  protected readonly populates: boolean;
  readonly #name: string | undefined;

  protected constructor(options: CheckOptions) {
    if (typeof options !== "object" || (options as unknown) === null)
      throw new InvalidOptionError("options", options, "must be an object with intervalMs");
    if ((options.intervalMs as number | undefined) === undefined) throw new InvalidOptionError("intervalMs", undefined, "is required");
    this.intervalMs = durationMsOption("intervalMs", options.intervalMs, 0, { min: 1 });
    this.aspect = options.aspect === undefined ? undefined : stringOption("aspect", options.aspect);
    this.location = stringRecordOption("location", options.location);
    this.populates = this.aspect !== undefined || Object.keys(this.location).length > 0;
    this.timeoutMs = options.timeoutMs === undefined ? undefined : durationMsOption("timeoutMs", options.timeoutMs, 0, { min: 1 });
    this.onError = options.onError === undefined ? undefined : enumOption<OnError>("onError", options.onError, ["state", "drop"], "state");
    this.#name = options.name === undefined ? undefined : stringOption("name", options.name);
  }

  /** When the next run is due: `lastRun + intervalMs` (ms, on the scheduler's clock). */
  nextRun(): number {
    return this.lastRun + this.intervalMs;
  }

  /** The name in logs: the `name` option, or one derived from the check. */
  checkName(): string {
    return this.#name ?? this.defaultName();
  }

  /** The name used when the options give none. */
  protected abstract defaultName(): string;

  /** Runs the check once. */
  abstract run(context: CheckContext): CheckOutput | Promise<CheckOutput>;

  /** Records the start of a run; every bundled check calls it first (DumbProbe's `mark_run`). */
  protected markRun(context: CheckContext): void {
    const late = context.startedAt - context.scheduledAt;
    if (late >= 0 && late < this.intervalMs) {
      this.lastRun = context.scheduledAt;
      return;
    }
    // A new grid (first run, or a whole interval behind) starts at the start time rounded down
    // to GRID_MS: checks started together stay together and share the scheduler's wake-ups.
    const grid = Math.min(GRID_MS, this.intervalMs);
    this.lastRun = context.startedAt - (context.startedAt % grid);
  }

  /**
   * Writes the aspect and location into each message (DumbProbe's `_populate` over `each()`).
   * Anything but a message or a list of messages is an {@link InvalidProbeMessageError}, which the
   * scheduler reports as a failed run.
   */
  protected populate(output: unknown): ProbeMessage[] {
    const items: unknown[] = Array.isArray(output) ? (output as unknown[]) : [output];
    if (!Array.isArray(output) && (typeof output !== "object" || output === null)) {
      throw new InvalidProbeMessageError(`invalid message (${kindOf(output)})`);
    }
    return items.map((item) => this.#populateOne(item));
  }

  #populateOne(item: unknown): ProbeMessage {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      throw new InvalidProbeMessageError(`invalid message (${kindOf(item)})`);
    const message = item as Mutable<Partial<ProbeMessage>>;
    const event: unknown = message.event;
    const location: unknown = message.location;
    if (typeof event !== "object" || event === null) throw new InvalidProbeMessageError("invalid message (no event)");
    if (typeof location !== "object" || location === null) throw new InvalidProbeMessageError("invalid message (no location)");
    // Copies: the check's own objects (often shared between runs) are never modified.
    return {
      ...(message as ProbeMessage),
      location: { ...(location as Record<string, string>), ...this.location },
      event: this.aspect === undefined ? (event as ProbeMessage["event"]) : { ...(event as ProbeMessage["event"]), name: this.aspect },
    };
  }
}
