import { checkOptionKeys, describeValue, InvalidOptionError, integerOption, type Logger, loggerOption, sleep } from "@x/core";
import { Event } from "./event.js";
import type { EmitOptions } from "./events.js";
import { dateSerializer } from "./serializers.js";
import { checkSignal } from "./signal.js";

/** The Clock's default event: the scheduled minute boundary, as a `Date`. */
export const MINUTE_PASSED: Event<Date> = Event("minute-passed", {
  serializer: dateSerializer,
  description: "a minute boundary passed; the payload is the scheduled tick time",
});

/** The Clock's default period, in ms (one minute). */
export const DEFAULT_CLOCK_PERIOD_MS = 60_000;

/** Anything that can emit the clock's event: a `ConnectedEvents` that registered it. */
export interface ClockEmitter {
  /** Emits one tick (the clock always passes `uid` and `sync: true`). */
  emit(event: Event<Date>, payload: Date, options: EmitOptions): Promise<unknown>;
}

/** Options of {@link Clock}. */
export interface ClockOptions {
  /** The event to emit; its payload is the scheduled tick time. @default {@link MINUTE_PASSED} */
  readonly event?: Event<Date>;
  /** Tick period in ms; ticks fall on multiples of it since the Unix epoch (UTC). @default {@link DEFAULT_CLOCK_PERIOD_MS} */
  readonly periodMs?: number;
  /** Extra headers on every tick. @default none */
  readonly meta?: Readonly<Record<string, string>>;
  /** Where failed emits are reported. @default a silent logger */
  readonly logger?: Logger;
}

/** Options of `Clock.run`. */
export interface ClockRunOptions {
  /** Stops the clock. @default none */
  readonly signal?: AbortSignal;
  /** Emit the next tick only, then return. @default false */
  readonly burst?: boolean;
  /** Emit this many ticks, then return. @default unlimited */
  readonly ticks?: number;
}

/** Emits periodic events, safe to run in several processes at once. */
export interface Clock {
  /** The event each tick emits. */
  readonly event: Event<Date>;
  /** The tick period, in ms. */
  readonly periodMs: number;
  /** The tick index of the boundary at or before `epochMs`. */
  tickOf(epochMs: number): number;
  /** Emits one event per tick until stopped; resolves with the number of ticks emitted. */
  run(emitter: ClockEmitter, options?: ClockRunOptions): Promise<number>;
}

/**
 * Creates a clock (walnats' `Clock`, fixed). Each tick is emitted with `uid` = `<event>:<tick
 * index>` and the *scheduled* tick time as payload, so any number of clocks produce each tick
 * exactly once. walnats used the sub-period remainder of the wake-up time as uid: two clocks
 * never matched and successive ticks could collide.
 *
 * Ticks fall on calendar time (`Date.now()`), on purpose: clocks in several processes must agree
 * on which tick is due, which only the wall clock can tell them.
 */
export function Clock(options: ClockOptions = {}): Clock {
  checkOptionKeys(options, ["event", "periodMs", "meta", "logger"], "Clock");
  const event = options.event ?? MINUTE_PASSED;
  const periodMs = integerOption("periodMs", options.periodMs, DEFAULT_CLOCK_PERIOD_MS, 1);
  const logger = loggerOption(options.logger);
  const tickOf = (epochMs: number): number => Math.floor(epochMs / periodMs);
  return Object.freeze({
    event,
    periodMs,
    tickOf,
    async run(emitter: ClockEmitter, runOptions: ClockRunOptions = {}): Promise<number> {
      checkOptionKeys(runOptions, ["signal", "burst", "ticks"], "Clock.run");
      const { signal, burst = false } = runOptions;
      checkSignal(signal);
      if (typeof burst !== "boolean") throw new InvalidOptionError("burst", burst, "must be a boolean");
      const ticks = burst ? 1 : (runOptions.ticks ?? Number.POSITIVE_INFINITY);
      if (ticks !== Number.POSITIVE_INFINITY && (!Number.isInteger(ticks) || ticks <= 0)) {
        throw new InvalidOptionError("ticks", ticks, "must be a positive integer");
      }
      let emitted = 0;
      while (emitted < ticks && signal?.aborted !== true) {
        const now = Date.now();
        const tick = tickOf(now) + 1;
        try {
          await sleep(tick * periodMs - now, signal);
        } catch {
          break; // stopped while waiting for the tick: not a failure, just the end
        }
        const at = new Date(tick * periodMs);
        const emitOptions: EmitOptions = {
          uid: `${event.name}:${tick}`,
          sync: true,
          ...(options.meta === undefined ? {} : { meta: options.meta }),
          ...(signal === undefined ? {} : { signal }), // stopping the clock stops waiting for the server
        };
        try {
          await emitter.emit(event, at, emitOptions);
        } catch (error) {
          // A missed tick is reported and the clock goes on; another clock may have emitted it.
          logger.warn({ event: event.name, tick, error: describeValue(error) }, "clock tick not emitted");
        }
        emitted++;
      }
      return emitted;
    },
  });
}
