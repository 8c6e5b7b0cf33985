import type { MissedTicks } from "./definition.js";
import type { TickSource } from "./ticks.js";

/** Most missed ticks counted one by one for a `skipped` event; beyond it the count says "at least". */
export const MAX_COUNTED_MISSED = 10_000;

/** What a scheduler does for one schedule at one moment. */
export interface TickPlan {
  /** Missed ticks to enqueue late, oldest first (chosen by the `missed` policy). */
  readonly catchUp: readonly number[];
  /** Missed ticks dropped by the policy: how many (at most {@link MAX_COUNTED_MISSED}), and the latest. */
  readonly skipped: { readonly count: number; readonly latest: number } | null;
  /** Every tick at or before this time has been dealt with once the catch-up is done. */
  readonly lateBound: number;
  /** Ticks still on time (less than `graceMs` late), oldest first. */
  readonly onTime: readonly number[];
}

/**
 * Splits the ticks after `last` and up to `now` into on-time ones (less than `graceMs` old) and
 * missed ones, and applies the policy to the missed: a pure function of the calendar, so that
 * DST, month ends and clock jumps are tested without a scheduler.
 */
export function planTicks(
  ticks: TickSource,
  last: number,
  now: number,
  graceMs: number,
  missed: MissedTicks,
  maxCatchUp: number,
): TickPlan {
  const lateBound = Math.max(last, now - graceMs);
  const onTime: number[] = [];
  for (let t = ticks.next(lateBound); t !== null && t <= now; t = ticks.next(t)) onTime.push(t);
  if (lateBound === last) return { catchUp: [], skipped: null, lateBound, onTime };

  const wanted = missed === "skip" ? 0 : missed === "once" ? 1 : maxCatchUp;
  const catchUp = ticks
    .previous(lateBound, wanted)
    .filter((t) => t > last)
    .reverse();
  let count = 0;
  for (let t = ticks.next(last); t !== null && t <= lateBound && count < MAX_COUNTED_MISSED + catchUp.length; t = ticks.next(t)) count++;
  count -= catchUp.length;
  const latest = ticks.previous(catchUp[0] === undefined ? lateBound : catchUp[0] - 1, 1)[0];
  const skipped = count > 0 && latest !== undefined && latest > last ? { count, latest } : null;
  return { catchUp, skipped, lateBound, onTime };
}
