import { startTimer } from "./timer.js";

/**
 * Waits `ms` milliseconds on the global `setTimeout` (so fake timers drive it). Resolves `true`
 * after the wait, `false` at once when `signal` aborts; never rejects.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  return new Promise((resolve) => {
    const onAbort = (): void => {
      cancel();
      resolve(false);
    };
    const cancel = startTimer(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
