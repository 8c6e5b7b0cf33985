/**
 * What `--json` prints: one JSON object per line (NDJSON), in the stable schema the README
 * documents. Human output is written by each command as before; these helpers only build the
 * objects and write them.
 */
import type { JobState, Message } from "@x/message";
import { formatMessage } from "./command.js";
import type { ProgressStream } from "./progress.js";

/** Writes one NDJSON line. */
export function writeJson(stream: ProgressStream, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** An epoch-ms time as the JSON output writes times: ISO-8601 UTC, like the message's own dates. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** The message as its wire JSON (pulpo's field names), or field by field when it cannot be encoded. */
export interface MessageJson {
  readonly value: unknown;
  /** Why the message could not be shown in full (the output then has a note in that field). */
  readonly problem?: string;
}

/** The message as an object for the JSON output; never throws. */
export function messageJson(message: Message): MessageJson {
  const { text, problem } = formatMessage(message);
  let value: unknown = null;
  try {
    value = JSON.parse(text);
  } catch {
    // "<cannot be shown at all>": the problem says why, the value stays null.
  }
  return problem === undefined ? { value } : { value, problem };
}

/** What is known about one job when it is printed; a listing has it all, `pop` and `peek` less. */
export interface JobFacts {
  readonly message: Message;
  readonly state?: JobState;
  readonly enqueuedAt?: number;
  readonly readyAt?: number;
  readonly leaseHolder?: string;
  readonly leaseEndsAt?: number;
  readonly buryReason?: string;
  readonly buriedAt?: number;
  readonly progress?: unknown;
}

/**
 * One job line of `list`, `pop` and `peek --json`: `id`, `state`, `requestType` (`""` for none),
 * `priority`, `attempts`, the times as ISO strings, `leaseHolder`, `buryReason`, `progress` when
 * known, and `message` (the wire JSON, payload included). Unknown fields are left out, never null.
 */
export function jobJson(facts: JobFacts): { readonly line: Record<string, unknown>; readonly problem?: string } {
  const { message } = facts;
  const line: Record<string, unknown> = { id: message.id };
  if (facts.state !== undefined) line.state = facts.state;
  line.requestType = message.header.requestType ?? "";
  line.priority = message.header.priority;
  line.attempts = message.header.attempts;
  if (facts.enqueuedAt !== undefined) line.enqueuedAt = isoTime(facts.enqueuedAt);
  if (facts.readyAt !== undefined) line.readyAt = isoTime(facts.readyAt);
  if (facts.leaseHolder !== undefined) line.leaseHolder = facts.leaseHolder;
  if (facts.leaseEndsAt !== undefined) line.leaseEndsAt = isoTime(facts.leaseEndsAt);
  if (facts.buryReason !== undefined) line.buryReason = facts.buryReason;
  if (facts.buriedAt !== undefined) line.buriedAt = isoTime(facts.buriedAt);
  if (facts.progress !== undefined) line.progress = facts.progress;
  const shown = messageJson(message);
  line.message = shown.value;
  return shown.problem === undefined ? { line } : { line, problem: shown.problem };
}

/** The error line of `--json` on stderr: `{"error":{"code","message"}}` (`line` for a `put --from` line). */
export function errorJson(error: { readonly code: string | null; readonly message: string; readonly line?: number }): unknown {
  return { error: error.line === undefined ? { code: error.code, message: error.message } : { ...error } };
}

/**
 * Reports a failure the command itself noticed (no job, a job that cannot be shown): its message
 * as it always was on stderr, or its error line with `--json`. Returns `exitCode`.
 */
export function reportFailure(
  io: { readonly stderr: ProgressStream },
  json: boolean,
  error: { readonly code: string; readonly message: string },
  exitCode: number,
): number {
  if (json) writeJson(io.stderr, errorJson({ code: error.code, message: error.message }));
  else io.stderr.write(`${error.message}\n`);
  return exitCode;
}

const SILENT: ProgressStream = { write: () => true };

/**
 * Where progress goes: stderr, except with `--json` when stderr is not a terminal, where every
 * line must be a JSON error line, so progress is left out.
 */
export function progressStream(io: { readonly stderr: ProgressStream }, json: boolean): ProgressStream {
  return json && io.stderr.isTTY !== true ? SILENT : io.stderr;
}
