import { MAX_TIMER_MS, type TimerHandle, type TimeSource } from "@x/core";

/**
 * Calls `callback` once after `ms` milliseconds on `time`'s timers, however long `ms` is: Node
 * (and fake timers) turn a delay above {@link MAX_TIMER_MS} into 1 ms, and a monitor's deadline
 * or a request timeout can be further away than that, so long delays are waited in steps.
 * Returns a function that cancels it; cancelling twice is harmless. With `keepAlive` false the
 * timer does not keep Node running (the handle is `unref`'d when it can be).
 */
export function startTimer(time: TimeSource, callback: () => void, ms: number, keepAlive = true): () => void {
  let remaining = Math.max(0, ms);
  let handle: TimerHandle;
  const step = (): void => {
    const delay = Math.min(remaining, MAX_TIMER_MS);
    remaining -= delay;
    handle = time.setTimeout(remaining > 0 ? step : callback, delay);
    if (!keepAlive) (handle as { unref?: () => void } | null | undefined)?.unref?.();
  };
  step();
  return () => {
    time.clearTimeout(handle);
  };
}
