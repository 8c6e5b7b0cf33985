/**
 * File names carry everything the queue needs to order, lease and count a job, so that serving a
 * job never parses its JSON and every state change is one atomic `rename`. Numbers are
 * zero-padded, so `ls ready/` lists jobs in the order they are served (delayed ones by due time).
 *
 * ```
 * ready/     <priority:10>-<readyAt:15>-<seq:8>-<deliveries>-<id>.job
 * reserved/  <leaseEndsAt:15>-<token:8>-<priority:10>-<deliveries>-<id>.job
 * buried/    <buriedAt:15>-<seq:8>-<priority:10>-<deliveries>-<id>.job   (+ the same name with .reason)
 * ```
 * `deliveries` is how many times the job was handed out so far: the next hand-out carries it as
 * `header.attempts`.
 */
import { randomBytes } from "node:crypto";
import type { TimeSource } from "@x/core";
import { MAX_PRIORITY } from "@x/message";

/** Largest time a name can hold (15 digits, the year 33658); later delays are clamped to it. */
export const MAX_NAME_TIME = 999_999_999_999_999;

const ID = "([A-Za-z0-9][A-Za-z0-9._:-]{0,127})";
const READY = new RegExp(`^(\\d{10})-(\\d{15})-([0-9a-z]{8})-(\\d{1,15})-${ID}\\.job$`);
const RESERVED = new RegExp(`^(\\d{15})-([0-9a-f]{8})-(\\d{10})-(\\d{1,15})-${ID}\\.job$`);
const BURIED = new RegExp(`^(\\d{15})-([0-9a-z]{8})-(\\d{10})-(\\d{1,15})-${ID}\\.(job|reason)$`);

/** A job waiting in `ready/`: ready once `readyAt` has passed, delayed before. */
export interface ReadyName {
  readonly priority: number;
  readonly readyAt: number;
  readonly seq: string;
  readonly deliveries: number;
  readonly id: string;
}

/** A job handed out under a lease, in `reserved/`. */
export interface ReservedName {
  readonly leaseEndsAt: number;
  readonly token: string;
  readonly priority: number;
  readonly deliveries: number;
  readonly id: string;
}

/** A buried job in `buried/` (`kind: "job"`), or the file holding its bury reason. */
export interface BuriedName {
  readonly buriedAt: number;
  readonly seq: string;
  readonly priority: number;
  readonly deliveries: number;
  readonly id: string;
  readonly kind: "job" | "reason";
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0");
const clampTime = (ms: number): number => Math.min(MAX_NAME_TIME, Math.max(0, Math.floor(ms)));

export function formatReady(n: ReadyName): string {
  return `${pad(n.priority, 10)}-${pad(clampTime(n.readyAt), 15)}-${n.seq}-${n.deliveries}-${n.id}.job`;
}

export function formatReserved(n: ReservedName): string {
  return `${pad(clampTime(n.leaseEndsAt), 15)}-${n.token}-${pad(n.priority, 10)}-${n.deliveries}-${n.id}.job`;
}

export function formatBuried(n: BuriedName): string {
  const stem = `${pad(clampTime(n.buriedAt), 15)}-${n.seq}-${pad(n.priority, 10)}-${n.deliveries}-${n.id}`;
  return `${stem}.${n.kind}`;
}

/** The bury-reason file that belongs to a buried job file. */
export function reasonFileOf(buriedJobFile: string): string {
  return `${buriedJobFile.slice(0, -".job".length)}.reason`;
}

const priorityOf = (text: string): number | undefined => {
  const value = Number(text);
  return value <= MAX_PRIORITY ? value : undefined;
};

export function parseReady(name: string): ReadyName | undefined {
  const m = READY.exec(name);
  if (!m) return undefined;
  const [, pri = "", readyAt = "", seq = "", deliveries = "", id = ""] = m;
  const priority = priorityOf(pri);
  return priority === undefined ? undefined : { priority, readyAt: Number(readyAt), seq, deliveries: Number(deliveries), id };
}

export function parseReserved(name: string): ReservedName | undefined {
  const m = RESERVED.exec(name);
  if (!m) return undefined;
  const [, leaseEndsAt = "", token = "", pri = "", deliveries = "", id = ""] = m;
  const priority = priorityOf(pri);
  return priority === undefined ? undefined : { leaseEndsAt: Number(leaseEndsAt), token, priority, deliveries: Number(deliveries), id };
}

export function parseBuried(name: string): BuriedName | undefined {
  const m = BURIED.exec(name);
  if (!m) return undefined;
  const [, buriedAt = "", seq = "", pri = "", deliveries = "", id = "", kind] = m;
  const priority = priorityOf(pri);
  return priority === undefined
    ? undefined
    : { buriedAt: Number(buriedAt), seq, priority, deliveries: Number(deliveries), id, kind: kind === "reason" ? "reason" : "job" };
}

/** Serving order of ready jobs: priority, then the time they became ready, then the sequence. */
export function compareReady(a: ReadyName, b: ReadyName): number {
  return a.priority - b.priority || a.readyAt - b.readyAt || compareText(a.seq, b.seq) || compareText(a.id, b.id);
}

/** Kick order of buried jobs: first buried, first revived. */
export function compareBuried(a: BuriedName, b: BuriedName): number {
  return a.buriedAt - b.buriedAt || compareText(a.seq, b.seq) || compareText(a.id, b.id);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const SEQ_SPACE = 36 ** 8;

/**
 * Per-process tie-breaker for names made in the same millisecond, and the wall clock as names
 * use it.
 */
export class NameClock {
  readonly #time: TimeSource;
  #seq = 0;
  #last = 0;

  constructor(time: TimeSource) {
    this.#time = time;
  }

  /**
   * The wall clock as read. Due times are written with it, not with {@link NameClock.now}: a due
   * time ahead of the clock would make every process see a ready job as delayed after a
   * backward step.
   */
  wall(): number {
    return this.#time.wallNow();
  }

  /** The wall clock, but never less than the last value returned (bury order, message times). */
  now(): number {
    const now = this.#time.wallNow();
    if (now > this.#last) this.#last = now;
    return this.#last;
  }

  /** The monotonic clock: what leases and delays are measured with inside the process. */
  monotonic(): number {
    return this.#time.now();
  }

  /** The next sequence, 8 base-36 digits; wraps after 2.8e12 names, harmless since ids break ties. */
  nextSeq(): string {
    this.#seq = (this.#seq + 1) % SEQ_SPACE;
    return this.#seq.toString(36).padStart(8, "0");
  }
}

/** Tokens count up from a random start: a random draw per hand-out costs more than the rest of the name. */
let lastToken = randomBytes(4).readUInt32BE(0);

/** A fresh lease token: tells one hand-out of a job from the next. */
export function newToken(): string {
  lastToken = (lastToken + 1) >>> 0;
  return lastToken.toString(16).padStart(8, "0");
}
