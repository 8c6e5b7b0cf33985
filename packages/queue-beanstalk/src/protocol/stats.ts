import { BeanstalkCommandError } from "../errors.js";
import { readJobStatsFast } from "./job-stats-fast.js";

/** The state of a job as `stats-job` reports it. */
export type BeanstalkJobState = "ready" | "delayed" | "reserved" | "buried";

/** `stats-job` with numbers as numbers. */
export interface JobStats {
  readonly id: number;
  /** The tube's name, exactly as the server wrote it. */
  readonly tube: string;
  readonly state: BeanstalkJobState;
  readonly pri: number;
  readonly ttr: number;
  /** Seconds since the job was put. */
  readonly age: number;
  /**
   * Seconds until a reserved job's TTR or a delayed job's delay ends. Negative when beanstalkd
   * 1.12 let a reserved job overstay its TTR (see `reservation.ts`).
   */
  readonly timeLeft: number;
  readonly reserves: number;
  readonly timeouts: number;
  readonly releases: number;
  readonly buries: number;
  readonly kicks: number;
}

/** `stats-tube` with numbers as numbers; `raw` keeps every numeric field by its server name. */
export interface TubeStats {
  readonly name: string;
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
  /** Jobs put since the server started (not counting jobs replayed from a binlog). */
  readonly totalJobs: number;
  /**
   * Names this run of the server: its random `id`, drawn anew at every start (beanstalkd 1.10 and
   * later), else `pid:<pid>`. Not the pid alone: in a container the server is always pid 1.
   */
  readonly instance: string;
}

const STATES: ReadonlySet<string> = new Set(["ready", "delayed", "reserved", "buried"]);
const INTEGER = /^-?[0-9]+$/;

/**
 * beanstalkd's stats replies are a `---` line and then one `key: value` line per field, nothing
 * nested, so they are read line by line rather than with a YAML parser. Values stay strings: a
 * tube named `007` is `"007"`, not the number 7.
 */
export function statsFields(body: Buffer): Map<string, string> {
  const text = body.toString("utf8");
  const fields = new Map<string, string>();
  let start = text.startsWith("---\n") ? 4 : 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon > start && colon < end) {
      const value = text.slice(colon + 1, end).trim();
      fields.set(text.slice(start, colon), value);
    }
    start = end + 1;
  }
  return fields;
}

function integer(command: string, fields: Map<string, string>, key: string): number {
  const text = fields.get(key);
  if (text === undefined || !INTEGER.test(text)) throw new BeanstalkCommandError(command, `field ${key} is not an integer`);
  return Number(text);
}

function text(command: string, fields: Map<string, string>, key: string): string {
  const value = fields.get(key);
  if (value === undefined) throw new BeanstalkCommandError(command, `field ${key} is missing`);
  return value;
}

/** Reads a `stats-job` body. @throws BeanstalkCommandError when a field is missing or malformed. */
export function parseJobStats(body: Buffer): JobStats {
  return readJobStatsFast(body) ?? parseJobStatsFields(body);
}

/** Reads a `stats-job` body field by field, in any order and spacing. @throws BeanstalkCommandError as {@link parseJobStats}. */
export function parseJobStatsFields(body: Buffer): JobStats {
  const command = "stats-job";
  const fields = statsFields(body);
  const state = fields.get("state");
  if (state === undefined || !STATES.has(state)) throw new BeanstalkCommandError(command, "field state is unknown");
  return {
    id: integer(command, fields, "id"),
    tube: text(command, fields, "tube"),
    state: state as BeanstalkJobState,
    pri: integer(command, fields, "pri"),
    ttr: integer(command, fields, "ttr"),
    age: integer(command, fields, "age"),
    timeLeft: integer(command, fields, "time-left"),
    reserves: integer(command, fields, "reserves"),
    timeouts: integer(command, fields, "timeouts"),
    releases: integer(command, fields, "releases"),
    buries: integer(command, fields, "buries"),
    kicks: integer(command, fields, "kicks"),
  };
}

/** Reads a `stats-tube` body. @throws BeanstalkCommandError when a field is missing or malformed. */
export function parseTubeStats(body: Buffer): TubeStats {
  const command = "stats-tube";
  const fields = statsFields(body);
  const raw: Record<string, number> = {};
  for (const [key, value] of fields) {
    if (key !== "__proto__" && INTEGER.test(value)) raw[key] = Number(value);
  }
  return {
    name: text(command, fields, "name"),
    ready: integer(command, fields, "current-jobs-ready"),
    delayed: integer(command, fields, "current-jobs-delayed"),
    reserved: integer(command, fields, "current-jobs-reserved"),
    buried: integer(command, fields, "current-jobs-buried"),
    raw,
  };
}

/** Reads the server's `stats` body. @throws BeanstalkCommandError when a field is missing or malformed. */
export function parseServerStats(body: Buffer): ServerStats {
  const command = "stats";
  const fields = statsFields(body);
  return {
    maxJobSize: integer(command, fields, "max-job-size"),
    draining: fields.get("draining") === "true",
    // Written quoted (`version: "1.12"`).
    version: (fields.get("version") ?? "unknown").replace(/^"(.*)"$/, "$1"),
    totalJobs: integer(command, fields, "total-jobs"),
    instance: fields.get("id") ?? `pid:${String(integer(command, fields, "pid"))}`,
  };
}
