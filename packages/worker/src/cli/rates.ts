/**
 * Rates for `stats --watch`, from two successive `stats()` readings. Counts alone only give the
 * net change of the jobs in the queue; what went in and what came out need cumulative counters,
 * which some adapters publish in `extra` (beanstalkd's `total-jobs` and `cmd-delete`). Where a
 * rate cannot be known it is `null`, never guessed.
 */
import type { QueueStats } from "@x/message";

/** One `stats()` reading and when it was taken (a monotonic clock, in ms). */
export interface StatsSample {
  readonly atMs: number;
  readonly stats: QueueStats;
}

/** Jobs per second between two samples; `null` where the adapter publishes no counter for it. */
export interface Rates {
  /** Jobs stored per second: the adapter's cumulative enqueue counter. */
  readonly enqueued: number | null;
  /** Jobs that left the queue (acked or deleted) per second: its counter, or enqueued minus the growth of the queue. */
  readonly finished: number | null;
  /** Jobs buried per second: its counter, or else the growth of the buried count (kicks hide burials). */
  readonly failed: number;
  /** Growth of all jobs in the queue per second (negative while it drains). */
  readonly net: number;
}

/** Names of cumulative counters in `extra`, in the order they are looked for. */
export const ENQUEUED_COUNTERS = ["enqueued", "total-jobs"] as const;
export const FINISHED_COUNTERS = ["finished", "cmd-delete"] as const;
export const FAILED_COUNTERS = ["failed"] as const;

const live = (s: QueueStats): number => s.ready + s.delayed + s.reserved + s.buried;

/** The growth of the first counter both samples have, or `null` (none, or it went back: a restarted server). */
function counterDelta(names: readonly string[], before: QueueStats, after: QueueStats): number | null {
  for (const name of names) {
    const a = before.extra?.[name];
    const b = after.extra?.[name];
    if (a !== undefined && b !== undefined) return b >= a ? b - a : null;
  }
  return null;
}

/** The rates between `before` and `after`; `null` when no time passed between them. */
export function ratesBetween(before: StatsSample, after: StatsSample): Rates | null {
  const seconds = (after.atMs - before.atMs) / 1000;
  if (!(seconds > 0)) return null;
  const per = (n: number): number => n / seconds;
  const growth = live(after.stats) - live(before.stats);
  const enqueued = counterDelta(ENQUEUED_COUNTERS, before.stats, after.stats);
  const finishedCounter = counterDelta(FINISHED_COUNTERS, before.stats, after.stats);
  const finished = finishedCounter ?? (enqueued === null ? null : Math.max(0, enqueued - growth));
  const failed = counterDelta(FAILED_COUNTERS, before.stats, after.stats) ?? Math.max(0, after.stats.buried - before.stats.buried);
  return {
    enqueued: enqueued === null ? null : per(enqueued),
    finished: finished === null ? null : per(finished),
    failed: per(failed),
    net: per(growth),
  };
}

const rate = (value: number | null): string => (value === null ? "-" : value.toFixed(1));

/** The rates as `stats --watch` shows them after the counts. */
export function formatRates(rates: Rates | null): string {
  if (rates === null) return "enqueued/s -  finished/s -  failed/s -  net/s -";
  return `enqueued/s ${rate(rates.enqueued)}  finished/s ${rate(rates.finished)}  failed/s ${rate(rates.failed)}  net/s ${rate(rates.net)}`;
}
