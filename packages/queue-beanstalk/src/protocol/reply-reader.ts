import { isBeanstalkReply } from "../errors.js";

/**
 * The longest reply line accepted before its CRLF. beanstalkd's longest is `USING <tube>` with a
 * 200-character tube name; anything much longer without a line end is not beanstalkd talking.
 */
export const MAX_REPLY_LINE_BYTES = 512;

/** The largest body accepted: beanstalkd's own ceiling for `-z` (1 GiB). */
export const MAX_REPLY_BODY_BYTES = 2 ** 30;

/** Reply words followed by `<bytes>\r\n<body>\r\n`, and how many arguments come before `<bytes>`. */
const BODY_WORDS: ReadonlyMap<string, number> = new Map([
  ["RESERVED", 1],
  ["FOUND", 1],
  ["OK", 0],
]);

const CR = 0x0d;
const LF = 0x0a;
const WORD = /^[A-Z_]+$/;
const DIGITS = /^[0-9]{1,20}$/;

/** What {@link readReply} found at the start of the unread bytes. */
export type ReplyRead =
  /** Not all of the reply has arrived yet. */
  | { readonly kind: "incomplete" }
  /**
   * A well-formed reply ending at `end`. `success`: it is the expected word, and `values` are its
   * arguments (the body last, as bytes); otherwise `values` is `[word]`, a documented error word.
   */
  | { readonly kind: "reply"; readonly end: number; readonly success: boolean; readonly values: readonly (string | Buffer)[] }
  /** Not a beanstalkd reply to this command: the stream cannot be trusted any more. */
  | { readonly kind: "malformed"; readonly reason: string };

const INCOMPLETE: ReplyRead = { kind: "incomplete" };
const NO_ARGS: readonly string[] = [];

function malformed(reason: string): ReplyRead {
  return { kind: "malformed", reason };
}

/** A printable excerpt of bytes for an error message. */
function excerpt(buffer: Buffer, start: number, end: number): string {
  return JSON.stringify(buffer.toString("latin1", start, Math.min(end, start + 60)));
}

/**
 * Reads one reply to a command that expects `expected` (`INSERTED`, `RESERVED`, `OK`, ...) from
 * `buffer` at `offset`. Strict where fivebeans is lenient: the line must be printable ASCII words,
 * the reply word the expected one or a documented error word, a body length a plain number within
 * {@link MAX_REPLY_BODY_BYTES}, and a body followed by CRLF. Pure and total: it never throws, so
 * bytes from a hostile or broken server can only end up as `malformed`.
 */
export function readReply(buffer: Buffer, offset: number, expected: string): ReplyRead {
  const eol = buffer.indexOf(CR, offset);
  if (eol < 0)
    return buffer.length - offset > MAX_REPLY_LINE_BYTES
      ? malformed(`no line end in ${excerpt(buffer, offset, buffer.length)}`)
      : INCOMPLETE;
  if (eol - offset > MAX_REPLY_LINE_BYTES) return malformed(`reply line too long: ${excerpt(buffer, offset, eol)}`);
  if (eol + 1 >= buffer.length) return INCOMPLETE;
  if (buffer[eol + 1] !== LF) return malformed(`CR without LF after ${excerpt(buffer, offset, eol)}`);
  for (let i = offset; i < eol; i++) {
    const byte = buffer[i] ?? 0;
    if (byte < 0x20 || byte > 0x7e) return malformed(`non-printable byte in reply line ${excerpt(buffer, offset, eol)}`);
  }
  // The arguments are split off the word without an array of the whole line: a reply per command.
  const line = buffer.toString("latin1", offset, eol);
  const space = line.indexOf(" ");
  const word = space < 0 ? line : line.slice(0, space);
  if (!WORD.test(word)) return malformed(`not a reply word: ${excerpt(buffer, offset, eol)}`);
  const args = space < 0 ? NO_ARGS : line.slice(space + 1).split(" ");
  for (const arg of args) if (arg.length === 0) return malformed(`empty argument in ${excerpt(buffer, offset, eol)}`);
  const lineEnd = eol + 2;
  if (word !== expected) {
    // Error words carry no body; `BURIED <id>` (a put the server buried) has an argument.
    if (!isBeanstalkReply(word)) return malformed(`unexpected reply ${excerpt(buffer, offset, eol)} (expected ${expected})`);
    return { kind: "reply", end: lineEnd, success: false, values: [word] };
  }
  const before = BODY_WORDS.get(word);
  if (before === undefined) return { kind: "reply", end: lineEnd, success: true, values: args };
  if (args.length !== before + 1) return malformed(`${word} with ${String(args.length)} arguments`);
  for (const arg of args)
    if (!DIGITS.test(arg)) return malformed(`${word} with a non-numeric argument ${JSON.stringify(arg.slice(0, 30))}`);
  const length = Number(args[before]);
  if (length > MAX_REPLY_BODY_BYTES) return malformed(`${word} announces ${String(length)} bytes`);
  const bodyEnd = lineEnd + length;
  if (buffer.length < bodyEnd + 2) return INCOMPLETE;
  if (buffer[bodyEnd] !== CR || buffer[bodyEnd + 1] !== LF)
    return malformed(`${word} body of ${String(length)} bytes not followed by CRLF`);
  const body = buffer.subarray(lineEnd, bodyEnd);
  return { kind: "reply", end: bodyEnd + 2, success: true, values: before === 0 ? [body] : [...args.slice(0, before), body] };
}

/**
 * Where {@link readReplyFast} puts what it read: one object per session, reused for every reply,
 * so the common replies allocate nothing but a body's view.
 */
export class FastReply {
  /** Where the reply ends. */
  end = 0;
  /**
   * The reply's values as {@link readReply} gives them, but a job id as a number: `INSERTED` the
   * id, `RESERVED` and `FOUND` the id and the body, `OK` the body, a bare word nothing.
   */
  first: number | Buffer | undefined = undefined;
  second: Buffer | undefined = undefined;
  /** The last number read. */
  number = 0;
}

/** Expected words {@link readReplyFast} reads, by how their reply goes on after the word. */
const FAST_SHAPES: ReadonlyMap<string, { readonly word: Buffer; readonly shape: "bare" | "id" | "id-body" | "body" }> = new Map(
  (
    [
      ["DELETED", "bare"],
      ["RELEASED", "bare"],
      ["BURIED", "bare"],
      ["TOUCHED", "bare"],
      ["KICKED", "bare"],
      ["PAUSED", "bare"],
      ["INSERTED", "id"],
      ["RESERVED", "id-body"],
      ["FOUND", "id-body"],
      ["OK", "body"],
    ] as const
  ).map(([word, shape]) => [word, { word: Buffer.from(word, "latin1"), shape }]),
);
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Longer numbers are left to {@link readReply} (which also bounds them). */
const FAST_MAX_DIGITS = 10;

/** A number of 1 to {@link FAST_MAX_DIGITS} digits at `at` ended by `stop`: its end, or -1. */
function digitsAt(buffer: Buffer, at: number, stop: number, into: FastReply): number {
  let value = 0;
  let i = at;
  for (; i < buffer.length && i - at <= FAST_MAX_DIGITS; i++) {
    const byte = buffer[i] ?? 0;
    if (byte === stop) break;
    if (byte < DIGIT_0 || byte > DIGIT_9) return -1;
    value = value * 10 + (byte - DIGIT_0);
  }
  if (i === at || i - at > FAST_MAX_DIGITS || buffer[i] !== stop) return -1;
  into.number = value;
  return i;
}

/**
 * The common case of {@link readReply}, read without making a string, an array or a result
 * object: the expected word with its arguments exactly as beanstalkd writes them, complete in
 * `buffer`. Returns whether it read one (into `into`); for anything else (an error word, a reply
 * not all here yet, an odd or malformed one) it returns `false` and {@link readReply} decides.
 * Where it reads a reply, it reads what {@link readReply} reads (a test holds them together).
 */
export function readReplyFast(buffer: Buffer, offset: number, expected: string, into: FastReply): boolean {
  const known = FAST_SHAPES.get(expected);
  if (known === undefined) return false;
  const { word, shape } = known;
  if (offset + word.length + 2 > buffer.length) return false;
  for (let i = 0; i < word.length; i++) if (buffer[offset + i] !== word[i]) return false;
  let at = offset + word.length;
  if (shape === "bare") {
    if (buffer[at] !== CR || buffer[at + 1] !== LF) return false;
    into.end = at + 2;
    into.first = undefined;
    into.second = undefined;
    return true;
  }
  if (buffer[at] !== SPACE) return false;
  let id = 0;
  if (shape !== "body") {
    at = digitsAt(buffer, at + 1, shape === "id" ? CR : SPACE, into);
    if (at < 0) return false;
    id = into.number;
    if (shape === "id") {
      if (buffer[at + 1] !== LF) return false;
      into.end = at + 2;
      into.first = id;
      into.second = undefined;
      return true;
    }
  }
  at = digitsAt(buffer, at + 1, CR, into);
  if (at < 0 || buffer[at + 1] !== LF) return false;
  const length = into.number;
  const bodyStart = at + 2;
  const bodyEnd = bodyStart + length;
  if (length > MAX_REPLY_BODY_BYTES || bodyEnd + 2 > buffer.length) return false;
  if (buffer[bodyEnd] !== CR || buffer[bodyEnd + 1] !== LF) return false;
  const body = buffer.subarray(bodyStart, bodyEnd);
  into.end = bodyEnd + 2;
  if (shape === "body") {
    into.first = body;
    into.second = undefined;
  } else {
    into.first = id;
    into.second = body;
  }
  return true;
}
