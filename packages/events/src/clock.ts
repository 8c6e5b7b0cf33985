import { sleepUnlessAborted } from "./abortable.js";
import { InvalidOptionError } from "./errors.js";
import { Event } from "./event.js";
import type { EmitOptions } from "./events.js";
import { describeError, silentLogger, type Logger } from "./logger.js";
import { dateSerializer } from "./serializers.js";

/** The Clock's default event: the scheduled minute boundary, as a `Date`. */
export const MINUTE_PASSED: Event<Date> = Event("minute-passed", {
  serializer: dateSerializer,
  description: "a minute boundary passed; the payload is the scheduled tick time",
});

/** The Clock's default period, in ms (one minute). */
export const DEFAULT_CLOCK_PERIOD = 60_000;

/** Anything that can emit the clock's event: a `ConnectedEvents` that registered it. */
export interface ClockEmitter {
  /** Emits one tick (the clock always passes `uid` and `sync: true`). */
  emit(event: Event<Date>, payload: Date, options: EmitOptions): Promise<unknown>;
}

/** Options of {@link Clock}. */
export interface ClockOptions {
  /** The event to emit; its payload is the scheduled tick time. @default {@link MINUTE_PASSED} */
  readonly event?: Event<Date>;
  /** Tick period in ms; ticks fall on multiples of it since the Unix epoch (UTC). @default {@link DEFAULT_CLOCK_PERIOD} */
  readonly period?: number;
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
  readonly period: number;
  /** The tick index of the boundary at or before `epochMs`. */
  tickOf(epochMs: number): number;
  /** Emits one event per tick until stopped; resolves with the number of ticks emitted. */
  run(emitter: ClockEmitter, options?: ClockRunOptions): Promise<number>;
}

/**
 * Creates a clock (walnats' `Clock`, fixed). Each tick is emitted with `uid` = `<event>:<tick
 * index>` and the *scheduled* tick time as payload, so any number of clocks produce each tick
 * exactly once. walnats used the sub-period remainder of the wake-up time as uid (G-W6): two
 * clocks never matched and successive ticks could collide.
 */
export function Clock(options: ClockOptions = {}): Clock {
  const event = options.event ?? MINUTE_PASSED;
  const period = options.period ?? DEFAULT_CLOCK_PERIOD;
  if (!Number.isInteger(period) || period <= 0) throw new InvalidOptionError("period", `must be a positive integer of ms, got ${String(period)}`);
  const logger = options.logger ?? silentLogger;
  const tickOf = (epochMs: number): number => Math.floor(epochMs / period);
  return Object.freeze({
    event,
    period,
    tickOf,
    async run(emitter: ClockEmitter, runOptions: ClockRunOptions = {}): Promise<number> {
      const { signal, burst = false } = runOptions;
      const ticks = burst ? 1 : runOptions.ticks ?? Number.POSITIVE_INFINITY;
      if (ticks !== Number.POSITIVE_INFINITY && (!Number.isInteger(ticks) || ticks <= 0)) {
        throw new InvalidOptionError("ticks", "must be a positive integer");
      }
      const stopped = (): boolean => signal?.aborted === true;
      let emitted = 0;
      while (emitted < ticks && !stopped()) {
        const now = Date.now();
        const tick = tickOf(now) + 1;
        await sleepUnlessAborted(tick * period - now, signal);
        if (stopped()) break;
        const at = new Date(tick * period);
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
          logger.warn("clock tick not emitted", { event: event.name, tick, error: describeError(error) });
        }
        emitted++;
      }
      return emitted;
    },
  });
}
