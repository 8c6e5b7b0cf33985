import type { LogFields, Logger } from "@x/core";
import type { Check, Handle, OnError } from "../contract.js";

/** A check in the scheduler: what every run of it shares. */
export interface CheckEntry {
  readonly kind: "check";
  /** Position in the checks list. */
  readonly id: number;
  /** The name in logs and events. */
  readonly name: string;
  /** `check #<id> <name>`: the `source` of its rejected messages. */
  readonly label: string;
  /** `{ check, id }`: the fields of its log lines. */
  readonly fields: LogFields;
  readonly check: Check;
  readonly timeoutMs: number;
  readonly onError: OnError;
  readonly logger: Logger;
}

/** A handle in the scheduler, with the state of its lifecycle. */
export interface HandleEntry {
  readonly kind: "handle";
  readonly id: number;
  readonly name: string;
  /** `handle #<id> <name>`: the `source` of its rejected messages. */
  readonly label: string;
  /** `{ handle, id }`: the fields of its log lines. */
  readonly fields: LogFields;
  readonly handle: Handle;
  state: "closed" | "opening" | "open" | "closing";
  /** The open() or close() in progress, which close() waits for. */
  busy: Promise<void> | undefined;
  /** Consecutive failed opens or short-lived opens; drives the backoff. */
  failures: number;
  openedAt: number;
  /** Bumped on every open, so wake-ups from an earlier incarnation are ignored. */
  generation: number;
  readScheduled: boolean;
  everOpened: boolean;
}

/** What the run queue holds: checks due to run and handles due to (re)open. */
export type Entry = CheckEntry | HandleEntry;

/** Longest name kept for logs and events; the rest is cut. */
const MAX_NAME_LENGTH = 200;

/**
 * A name safe to put in a log line: control characters (a newline could forge a log line) are
 * escaped as in JSON, and a very long name is cut.
 */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  const escaped = /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
  return escaped.length > MAX_NAME_LENGTH ? `${escaped.slice(0, MAX_NAME_LENGTH)}…` : escaped;
}

/** The name of a check or handle: its `checkName()`, or `<prefix>-<id>/<class name>`. */
export function nameOf(value: Check | Handle, id: number, prefix: "C" | "H"): string {
  try {
    const name = value.checkName?.();
    if (typeof name === "string" && name !== "") return printable(name);
  } catch {
    // A broken checkName() must not take the check down; fall back to the generated name.
  }
  const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `${prefix}-${id}/${typeof className === "string" && className !== "" ? className : "Object"}`;
}
