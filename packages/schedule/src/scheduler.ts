import { Emitter, InvalidOptionError, type Observable, sleep } from "@x/core";
import type { MessageInit, QueueAdapter } from "@x/message";
import { type CompiledSchedule, checkJob, compileSchedule, type ScheduleDefinition } from "./definition.js";
import { isDuplicateId, isTransient } from "./duplicate.js";
import { InvalidScheduleError, NoDeduplicationError } from "./errors.js";
import type { ScheduleEvents } from "./events.js";
import { directoryJournal, type Journal, memoryJournal } from "./journal.js";
import { type Leadership, runLeadership } from "./leader.js";
import { type ResolvedOptions, resolveOptions, type ScheduleOptions, WALL_CHECK_MS } from "./options.js";
import { planTicks } from "./plan.js";

/** Running schedules. Observe them with `on("enqueued" | "skipped" | "error", listener)`. */
export interface Scheduler extends Observable<ScheduleEvents>, AsyncDisposable {
  /** Stops every schedule and waits for an enqueue in flight. Idempotent; never closes the queue. */
  close(): Promise<void>;
}

/** The id of a tick's job: the same in every scheduler process, so the queue refuses the second. */
export function tickJobId(name: string, at: number): string {
  return `sched.${name}.${String(at)}`;
}

/**
 * Starts enqueuing each schedule's job into `queue` at its ticks, until `close()` or the signal.
 * Several processes may run the same schedules on one queue: each tick is enqueued once (see the
 * README's "Guarantees").
 * @throws InvalidScheduleError for a bad definition (cron expression, time zone, name...).
 * @throws NoDeduplicationError when the queue cannot refuse duplicate ids and no `stateDir` is given.
 * @throws InvalidOptionError for a bad option.
 */
export function startSchedules(queue: QueueAdapter, schedules: readonly ScheduleDefinition[], options?: ScheduleOptions): Scheduler {
  const o = resolveOptions(options);
  if (typeof (queue as Partial<QueueAdapter> | null)?.enqueue !== "function" || typeof queue.capabilities !== "object") {
    throw new InvalidOptionError("queue", undefined, "of startSchedules() must be a QueueAdapter");
  }
  if (!Array.isArray(schedules)) throw new InvalidOptionError("schedules", schedules, "must be an array of schedule definitions");
  const compiled = schedules.map((schedule, index) => compileSchedule(schedule, index));
  const names = new Set<string>();
  for (const schedule of compiled) {
    if (names.has(schedule.name))
      throw new InvalidScheduleError(JSON.stringify(schedule.name), "name", "is used by two schedules; names must be unique");
    names.add(schedule.name);
  }
  if (!queue.capabilities.customIds && o.stateDir === undefined && o.leader === undefined) throw new NoDeduplicationError(queue.name);

  const emitter = new Emitter<ScheduleEvents>({ logger: o.logger });
  const stop = new AbortController();
  const run: RunContext = {
    queue,
    options: o,
    emitter,
    signal: stop.signal,
    journal: o.stateDir === undefined ? memoryJournal() : directoryJournal(o.stateDir),
    startedAt: o.time.wallNow(),
    leadership:
      o.leader === undefined
        ? undefined
        : runLeadership(o.leader, o.time, o.graceMs, stop.signal, {
            onChange: (held) => {
              o.logger.info({ held }, held ? "leader lease taken" : "leader lease lost");
              emitter.emit("leadership", { held });
            },
            onError: (error) => {
              o.logger.error({ error }, "leader queue failed");
              emitter.emit("error", { name: "", at: undefined, error });
            },
          }),
  };
  const loops = compiled.map((schedule) => runSchedule(run, schedule));
  if (run.leadership !== undefined) loops.push(run.leadership.done);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      o.signal?.removeEventListener("abort", onAbort);
      stop.abort();
      await Promise.allSettled(loops);
    })();
    return closing;
  };
  const onAbort = (): void => void close();
  if (o.signal?.aborted === true) void close();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    on: (event, listener) => emitter.on(event, listener),
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface RunContext {
  readonly queue: QueueAdapter;
  readonly options: ResolvedOptions;
  readonly emitter: Emitter<ScheduleEvents>;
  readonly signal: AbortSignal;
  readonly journal: Journal;
  readonly startedAt: number;
  readonly leadership: Leadership | undefined;
}

async function runSchedule(run: RunContext, schedule: CompiledSchedule): Promise<void> {
  const { time, graceMs } = run.options;
  const { name } = schedule;
  let last: number | undefined;
  let due: { readonly after: number; readonly at: number | null } | undefined;
  while (!run.signal.aborted) {
    try {
      // Where the journal is shared, another process's claims count as handled here too.
      const shared = await run.journal.last(name);
      last = Math.max(last ?? shared ?? run.startedAt, shared ?? Number.NEGATIVE_INFINITY);
      // Most wakes only re-read the wall clock (see WALL_CHECK_MS): the next tick is computed
      // once per `last`, since a time-zone-aware cron calculation is the expensive part.
      if (due?.after !== last) due = { after: last, at: schedule.ticks.next(last) };
      // A cron expression with no future time (a past year) has nothing left to do.
      if (due.at === null) return;
      const idleMs = due.at - time.wallNow();
      if (idleMs > 0) {
        await sleep(Math.min(idleMs, WALL_CHECK_MS), run.signal, time);
        continue;
      }
      const plan = planTicks(schedule.ticks, last, time.wallNow(), graceMs, schedule.missed, schedule.maxCatchUp);
      if (plan.skipped !== null) {
        run.options.logger.warn(
          { schedule: name, count: plan.skipped.count, latest: new Date(plan.skipped.latest) },
          "missed ticks skipped",
        );
        run.emitter.emit("skipped", { name, at: new Date(plan.skipped.latest), reason: "missed", count: plan.skipped.count });
      }
      for (const at of plan.catchUp) {
        if (stopped(run)) return;
        await fire(run, schedule, at, true);
        last = at;
      }
      last = Math.max(last, plan.lateBound);
      for (const at of plan.onTime) {
        if (stopped(run)) return;
        // Enqueuing the previous ticks took time: a tick that is now late is left to the next
        // plan, which treats it as missed, so "on time" always means within graceMs.
        if (time.wallNow() - at >= graceMs) break;
        await fire(run, schedule, at, false);
        last = at;
      }
    } catch (error) {
      if (stopped(run)) return;
      // Reading or writing stateDir failed: report, then try again rather than spin.
      run.options.logger.error({ schedule: name, error }, "schedule failed");
      run.emitter.emit("error", { name, at: undefined, error });
      await sleep(graceMs, run.signal, time).catch(() => undefined);
    }
  }
}

/** Read through a call, so that TypeScript does not narrow it across `await`s. */
function stopped(run: RunContext): boolean {
  return run.signal.aborted;
}

async function fire(run: RunContext, schedule: CompiledSchedule, at: number, late: boolean): Promise<void> {
  const { name } = schedule;
  const tick = new Date(at);
  let init: MessageInit;
  try {
    init = typeof schedule.job === "function" ? schedule.job({ name, at: tick }) : schedule.job;
    checkJob(JSON.stringify(name), init);
  } catch (error) {
    run.options.logger.error({ schedule: name, at: tick, error }, "job function failed");
    run.emitter.emit("error", { name, at: tick, error });
    return;
  }
  if (run.leadership?.holds() === false) {
    run.emitter.emit("skipped", { name, at: tick, reason: "follower", count: 1 });
    return;
  }
  if (!(await run.journal.claim(name, at))) {
    run.emitter.emit("skipped", { name, at: tick, reason: "claimed", count: 1 });
    return;
  }
  const { time, graceMs } = run.options;
  const customIds = run.queue.capabilities.customIds;
  // An on-time tick may be retried while it stays on time; a caught-up one for as long again.
  const retryUntil = time.now() + (late ? graceMs : at + graceMs - time.wallNow());
  let error: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const message = await run.queue.enqueue({
        ...init,
        ...(customIds ? { id: tickJobId(name, at) } : {}),
        // Held back so that the job is still live (and its id still refused) when the last on-time
        // scheduler tries the same tick; see "Guarantees" in the README.
        delay: new Date(time.wallNow() + 2 * graceMs),
        header: { ...init.header, schedule: name, scheduledAt: tick.toISOString() },
      });
      run.options.logger.debug({ schedule: name, at: tick, jobId: message.id, late }, "tick enqueued");
      run.emitter.emit("enqueued", { name, at: tick, message, late });
      return;
    } catch (caught) {
      error = caught;
    }
    if (customIds && (await isDuplicateId(run.queue, tickJobId(name, at), error))) {
      run.emitter.emit("skipped", { name, at: tick, reason: "duplicate", count: 1 });
      return;
    }
    // A transient refusal is no answer yet. The file queue's IdLockedError says another enqueue
    // of this id holds its lock: that holder may store the tick, or may have been killed before
    // it did, and only a later try tells which (the lock is then broken, or the job is there).
    // Giving up at once left such a tick to a dead holder, reported only as an error.
    const waitMs = retryWaitMs(attempt);
    if (!isTransient(error) || time.now() + waitMs >= retryUntil || !(await pause(run, waitMs))) break;
  }
  run.options.logger.error({ schedule: name, at: tick, error }, "tick not enqueued");
  run.emitter.emit("error", { name, at: tick, error });
}

/** Waits between tries of a transiently refused enqueue: short at first, then a few a second. */
const RETRY_WAITS_MS = [10, 20, 40, 80, 160];
const LONGEST_RETRY_WAIT_MS = 250;

function retryWaitMs(attempt: number): number {
  return RETRY_WAITS_MS[attempt] ?? LONGEST_RETRY_WAIT_MS;
}

/**
 * Waits `ms` unless the scheduler closes: `false` when it did (closing ends the retries, and the
 * tick is then reported as not enqueued, like any failure).
 */
function pause(run: RunContext, ms: number): Promise<boolean> {
  if (stopped(run)) return Promise.resolve(false);
  return sleep(ms, run.signal, run.options.time).then(
    () => true,
    () => false,
  );
}
