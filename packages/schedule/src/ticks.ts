import type { Cron } from "croner";

/** The times (epoch ms) a schedule fires at, as a pure function of the calendar. */
export interface TickSource {
  /** The first tick strictly after `afterMs`, or `null` when there is none. */
  next(afterMs: number): number | null;
  /** Up to `count` ticks at or before `atOrBeforeMs`, latest first. */
  previous(atOrBeforeMs: number, count: number): number[];
}

/**
 * Ticks of a fixed interval, aligned to the Unix epoch (every multiple of `everyMs`), so that
 * schedulers started at different moments agree on the tick times, and therefore on the ids.
 */
export function intervalTicks(everyMs: number): TickSource {
  return {
    next: (afterMs) => (Math.floor(afterMs / everyMs) + 1) * everyMs,
    previous: (atOrBeforeMs, count) => {
      const latest = Math.floor(atOrBeforeMs / everyMs) * everyMs;
      return Array.from({ length: count }, (_, i) => latest - i * everyMs);
    },
  };
}

/** Ticks of a compiled cron expression (croner does the calendar, time zones and DST). */
export function cronTicks(cron: Cron): TickSource {
  return {
    next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime() ?? null,
    previous: (atOrBeforeMs, count) => {
      if (count === 0) return [];
      // croner's ticks are whole seconds and `previousRuns` excludes its reference: one
      // millisecond later makes a tick at `atOrBeforeMs` itself count.
      return cron
        .previousRuns(count, new Date(atOrBeforeMs + 1))
        .map((date) => date.getTime())
        .filter((ms) => ms <= atOrBeforeMs);
    },
  };
}
