/**
 * Node (and the fake timers tests use) turn a `setTimeout` delay above 2^31 − 1 ms (24.8 days)
 * into 1 ms, with a process warning. A heartbeat period or a request timeout can be longer than
 * that, and a timer firing every millisecond would spin; so long delays are waited in steps.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `callback` once after `ms` milliseconds on the global `setTimeout` (so fake timers drive
 * it), however long `ms` is. Returns a function that cancels it; cancelling twice is harmless.
 * With `keepAlive` false the timer does not keep the event loop alive (it is `unref`'d).
 */
export function startTimer(callback: () => void, ms: number, keepAlive = true): () => void {
  let remaining = Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout>;
  const step = (): void => {
    const delay = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= delay;
    handle = setTimeout(remaining > 0 ? step : callback, delay);
    if (!keepAlive) handle.unref();
  };
  step();
  return () => {
    clearTimeout(handle);
  };
}
