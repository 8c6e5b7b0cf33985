import { compileSchedule, type ScheduleDefinition } from "./definition.js";

/**
 * The next `count` tick times of a schedule after `from` (exclusive), as a scheduler would
 * enqueue them: to check an expression, a time zone or a DST day before deploying it.
 * @throws InvalidScheduleError for a bad definition.
 */
export function upcomingTicks(schedule: ScheduleDefinition, count: number, from: Date = new Date()): Date[] {
  const { ticks } = compileSchedule(schedule, 0);
  const out: Date[] = [];
  for (let t = ticks.next(from.getTime()); t !== null && out.length < count; t = ticks.next(t)) out.push(new Date(t));
  return out;
}
