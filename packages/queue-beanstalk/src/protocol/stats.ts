import { BeanstalkCommandError } from "../errors.js";

/** The state of a job as `stats-job` reports it. */
export type BeanstalkJobState = "ready" | "delayed" | "reserved" | "buried";

/** `stats-job` with numbers as numbers. */
export interface JobStats {
  readonly id: number;
  /** The tube name, as js-yaml read it back (see {@link yamlScalarKey}). */
  readonly tubeKey: string;
  readonly state: BeanstalkJobState;
  readonly pri: number;
  readonly ttr: number;
  /** Seconds until a reserved job's TTR or a delayed job's delay ends. */
  readonly timeLeft: number;
  readonly reserves: number;
  readonly timeouts: number;
  readonly releases: number;
  readonly buries: number;
  readonly kicks: number;
}

/** `stats-tube` with numbers as numbers; `raw` keeps every numeric field by its server name. */
export interface TubeStats {
  readonly nameKey: string;
  readonly ready: number;
  readonly delayed: number;
  readonly reserved: number;
  readonly buried: number;
  readonly raw: Readonly<Record<string, number>>;
}

/** The part of the server's `stats` this package uses. */
export interface ServerStats {
  readonly maxJobSize: number;
  readonly draining: boolean;
  readonly version: string;
}

const STATES: ReadonlySet<string> = new Set(["ready", "delayed", "reserved", "buried"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(command: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new BeanstalkCommandError(command, `non-mapping YAML body (${typeof value})`);
  return value;
}

function num(command: string, stats: Record<string, unknown>, key: string): number {
  const value = stats[key];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new BeanstalkCommandError(command, `field ${key} is not a number`);
  }
  return value;
}

/**
 * fivebeans parses stats replies with js-yaml, so a tube named `007` reads back as the number 7
 * and `2024-01-01` as a Date. Names are compared through this key, computed the same way on both
 * sides, instead of as strings.
 */
export function yamlScalarKey(value: unknown): string {
  if (value instanceof Date) return `date:${String(value.getTime())}`;
  if (typeof value === "string") return `str:${value}`;
  return `${typeof value}:${String(value)}`;
}

export function parseJobStats(value: unknown): JobStats {
  const command = "stats-job";
  const stats = record(command, value);
  const state = stats.state;
  if (typeof state !== "string" || !STATES.has(state)) throw new BeanstalkCommandError(command, "field state is unknown");
  return {
    id: num(command, stats, "id"),
    tubeKey: yamlScalarKey(stats.tube),
    state: state as BeanstalkJobState,
    pri: num(command, stats, "pri"),
    ttr: num(command, stats, "ttr"),
    timeLeft: num(command, stats, "time-left"),
    reserves: num(command, stats, "reserves"),
    timeouts: num(command, stats, "timeouts"),
    releases: num(command, stats, "releases"),
    buries: num(command, stats, "buries"),
    kicks: num(command, stats, "kicks"),
  };
}

export function parseTubeStats(value: unknown): TubeStats {
  const command = "stats-tube";
  const stats = record(command, value);
  const raw: Record<string, number> = {};
  for (const [key, field] of Object.entries(stats)) {
    if (typeof field === "number" && Number.isFinite(field)) raw[key] = field;
  }
  return {
    nameKey: yamlScalarKey(stats.name),
    ready: num(command, stats, "current-jobs-ready"),
    delayed: num(command, stats, "current-jobs-delayed"),
    reserved: num(command, stats, "current-jobs-reserved"),
    buried: num(command, stats, "current-jobs-buried"),
    raw,
  };
}

export function parseServerStats(value: unknown): ServerStats {
  const command = "stats";
  const stats = record(command, value);
  return {
    maxJobSize: num(command, stats, "max-job-size"),
    draining: stats.draining === true,
    version: String(stats.version),
  };
}
