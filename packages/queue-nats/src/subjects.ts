import { randomBytes } from "node:crypto";

/**
 * Where a queue's jobs live in JetStream. One work-queue stream per queue, `XQ_<queue>`, with the
 * job's state in its subject, so one stream-info call with a subject filter tells what is where:
 *
 * - `xq.<queue>.r.<band>`: ready (and reserved) jobs of one priority band, each band read by its
 *   own durable pull consumer `band-<band>`;
 * - `xq.<queue>.d.<dueMs>_<token>`: delayed jobs, no consumer; moved to their band when due;
 * - `xq.<queue>.b.0`: buried jobs, no consumer, oldest first by stream sequence;
 * - `xq.<queue>.c.paused`: present while the queue is paused;
 * - `xq.<queue>.c.claim`: an empty placeholder of a bulk delete, stored and removed at once;
 * - `xq.<queue>.g.<sequence>`: the last `progress()` value of the held copy at that sequence;
 * - `xq.<queue>.x.<sequence>_<wallMs>`: a deletion mark: `delete()` removed the ready copy at that
 *   sequence after a band consumer had handed it out, so a holder's acknowledgement must fail.
 */

/** What a queue name may be: it becomes a subject token and part of the stream's name. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Priorities 0 to 15 have a band each; above that, one band per power of two (16-31, 32-63,
 * ..., 2^31 to 2^32-1). Jobs in one band are served first in, first out.
 */
export const EXACT_BANDS = 16;
/** Number of bands: 16 exact ones and 28 powers of two. */
export const BAND_COUNT = EXACT_BANDS + 28;

/** The band of a (normalized) priority; lower bands are served first. */
export function bandOf(priority: number): number {
  if (priority < EXACT_BANDS) return priority;
  return EXACT_BANDS + Math.floor(Math.log2(priority)) - 4;
}

/** A job's place, read from its subject. */
export type Place =
  | { readonly kind: "ready"; readonly band: number }
  | { readonly kind: "delayed"; readonly dueAt: number }
  | { readonly kind: "buried" }
  | { readonly kind: "paused" };

/** The subjects and names of one queue. */
export class QueueSubjects {
  readonly stream: string;
  readonly prefix: string;
  /** Every subject of the queue (the stream's subject). */
  readonly all: string;
  /** One token per state: what a stream-info subject filter lists. */
  readonly overview: string;
  readonly readyAny: string;
  readonly delayedAny: string;
  readonly buried: string;
  readonly paused: string;
  readonly claim: string;
  /** Every deletion mark: what one stream-info call lists before a batch of acknowledgements. */
  readonly deletedAny: string;

  constructor(readonly queue: string) {
    this.stream = `XQ_${queue}`;
    this.prefix = `xq.${queue}`;
    this.all = `${this.prefix}.>`;
    this.overview = `${this.prefix}.*.*`;
    this.readyAny = `${this.prefix}.r.*`;
    this.delayedAny = `${this.prefix}.d.*`;
    this.buried = `${this.prefix}.b.0`;
    this.paused = `${this.prefix}.c.paused`;
    this.claim = `${this.prefix}.c.claim`;
    this.deletedAny = `${this.prefix}.x.*`;
  }

  /** The mark of a handed-out copy that `delete()` removed, at wall time `at` (ms). */
  deletedMark(sequence: number, at: number): string {
    return `${this.prefix}.x.${String(sequence)}_${String(Math.max(0, Math.floor(at)))}`;
  }

  /** The sequence and wall time of a deletion mark's subject, or `undefined` for any other subject. */
  deletedMarkOf(subject: string): { readonly sequence: number; readonly at: number } | undefined {
    const head = `${this.prefix}.x.`;
    if (!subject.startsWith(head)) return undefined;
    const [sequence, at] = subject.slice(head.length).split("_").map(Number);
    if (!Number.isSafeInteger(sequence) || !Number.isSafeInteger(at)) return undefined;
    return { sequence: sequence ?? 0, at: at ?? 0 };
  }

  ready(band: number): string {
    return `${this.prefix}.r.${band}`;
  }

  /** A subject of its own for each delayed job, so one can be read and removed alone. */
  delayed(dueAt: number): string {
    return `${this.prefix}.d.${Math.max(0, Math.ceil(dueAt))}_${randomBytes(6).toString("hex")}`;
  }

  /** Where the progress of the held copy at a stream sequence is kept. */
  progress(sequence: number): string {
    return `${this.prefix}.g.${sequence}`;
  }

  /** The durable consumer that hands out one band. */
  consumer(band: number): string {
    return `band-${band}`;
  }

  /** What a subject of this queue holds, or `undefined` for a subject that is none of ours. */
  place(subject: string): Place | undefined {
    if (!subject.startsWith(`${this.prefix}.`)) return undefined;
    const [kind, value] = subject.slice(this.prefix.length + 1).split(".");
    if (value === undefined) return undefined;
    if (kind === "r") {
      const band = Number(value);
      return Number.isInteger(band) && band >= 0 && band < BAND_COUNT ? { kind: "ready", band } : undefined;
    }
    if (kind === "d") {
      const dueAt = Number(value.split("_")[0]);
      return Number.isFinite(dueAt) ? { kind: "delayed", dueAt } : undefined;
    }
    if (kind === "b") return { kind: "buried" };
    if (kind === "c" && value === "paused") return { kind: "paused" };
    return undefined;
  }
}
