import type { BeanstalkJobState, JobStats } from "./stats.js";

/**
 * `stats-job` as beanstalkd writes it: these keys, in this order, one `key: value\n` line each
 * after a `---\n` line. Every reserve asks for it, so it is read straight from the bytes, without
 * the text, the map and the key and value strings of the general reader.
 */
const LAYOUT = [
  "id",
  "tube",
  "state",
  "pri",
  "age",
  "delay",
  "ttr",
  "time-left",
  "file",
  "reserves",
  "timeouts",
  "releases",
  "buries",
  "kicks",
] as const;
const KEYS = LAYOUT.map((key) => Buffer.from(`${key}: `, "latin1"));
const STATES: readonly BeanstalkJobState[] = ["ready", "delayed", "reserved", "buried"];
const STATE_BYTES = STATES.map((state) => Buffer.from(state, "latin1"));
const LF = 0x0a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** More digits than this might not be exact as a double: the general reader decides. */
const MAX_DIGITS = 15;

function startsWith(body: Buffer, at: number, key: Buffer): boolean {
  if (at + key.length > body.length) return false;
  for (let i = 0; i < key.length; i++) if (body[at + i] !== key[i]) return false;
  return true;
}

/** An optional minus and 1 to {@link MAX_DIGITS} digits from `start` to `end`; NaN otherwise. */
function integerAt(body: Buffer, start: number, end: number): number {
  const negative = body[start] === MINUS;
  const first = negative ? start + 1 : start;
  if (end <= first || end - first > MAX_DIGITS) return Number.NaN;
  let value = 0;
  for (let i = first; i < end; i++) {
    const byte = body[i] ?? 0;
    if (byte < DIGIT_0 || byte > DIGIT_9) return Number.NaN;
    value = value * 10 + (byte - DIGIT_0);
  }
  return negative ? -value : value;
}

function stateAt(body: Buffer, start: number, end: number): BeanstalkJobState | undefined {
  for (let i = 0; i < STATES.length; i++) {
    const bytes = STATE_BYTES[i];
    if (bytes?.length === end - start && startsWith(body, start, bytes)) return STATES[i];
  }
  return undefined;
}

/** Printable ASCII other than a space, as a tube name is (beanstalkd allows no other bytes). */
function isPlainToken(body: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const byte = body[i] ?? 0;
    if (byte <= 0x20 || byte > 0x7e) return false;
  }
  return true;
}

/**
 * Reads a `stats-job` body laid out exactly as beanstalkd writes it; `undefined` for anything
 * else (another order, extra spaces, a value that is not plain), which the general reader then
 * reads or rejects. Where it answers, it answers what the general reader would.
 */
export function readJobStatsFast(body: Buffer): JobStats | undefined {
  if (body.length < 4 || body[0] !== MINUS || body[1] !== MINUS || body[2] !== MINUS || body[3] !== LF) return undefined;
  const numbers: number[] = [];
  let tube = "";
  let state: BeanstalkJobState | undefined;
  let at = 4;
  for (let k = 0; k < LAYOUT.length; k++) {
    const key = KEYS[k];
    if (key === undefined || !startsWith(body, at, key)) return undefined;
    const start = at + key.length;
    const end = body.indexOf(LF, start);
    if (end < 0) return undefined;
    const name = LAYOUT[k];
    if (name === "tube") {
      if (!isPlainToken(body, start, end)) return undefined;
      tube = body.toString("latin1", start, end);
    } else if (name === "state") {
      state = stateAt(body, start, end);
      if (state === undefined) return undefined;
    } else if (name !== "file") {
      const value = integerAt(body, start, end);
      if (Number.isNaN(value)) return undefined;
      numbers.push(value);
    }
    at = end + 1;
  }
  if (at !== body.length || state === undefined) return undefined;
  const [id, pri, age, , ttr, timeLeft, reserves, timeouts, releases, buries, kicks] = numbers as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { id, tube, state, pri, ttr, age, timeLeft, reserves, timeouts, releases, buries, kicks };
}
