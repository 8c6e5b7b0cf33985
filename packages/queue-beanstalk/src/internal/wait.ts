/**
 * Waits for `promise`, but gives up when `deadline` (epoch ms, `Infinity` for never) passes or
 * `signal` aborts: then it rejects with `onDeadline()` or the signal's reason. The promise itself
 * carries on; only this wait ends.
 */
export async function waitUntil<T>(
  promise: Promise<T>,
  deadline: number,
  signal: AbortSignal | undefined,
  onDeadline: () => Error,
): Promise<T> {
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stops = new Promise<never>((_resolve, reject) => {
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        reject(onDeadline());
      }, Math.max(0, deadline - Date.now()));
    }
    if (signal) {
      onAbort = () => {
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([promise, stops]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** Sleeps `ms`; rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
