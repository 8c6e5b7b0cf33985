import { performance } from "node:perf_hooks";

/** Options for {@link measureRate}. */
export interface RateOptions {
  /** Run the operation for at least this long. @default 1000 */
  readonly durationMs?: number;
  /** Warm-up time before measuring, so the JIT has settled. @default 200 */
  readonly warmupMs?: number;
  /** Operations per timing check (the clock is read once per batch). @default 100 */
  readonly batch?: number;
}

/** Result of {@link measureRate}. */
export interface RateResult {
  readonly ops: number;
  readonly ms: number;
  /** Operations per second. */
  readonly rate: number;
}

/** Calls `op` repeatedly for a fixed time and reports operations per second. */
export async function measureRate(op: () => unknown, options: RateOptions = {}): Promise<RateResult> {
  const durationMs = options.durationMs ?? 1000;
  const warmupMs = options.warmupMs ?? 200;
  const batch = options.batch ?? 100;
  const loop = async (forMs: number): Promise<RateResult> => {
    const start = performance.now();
    let ops = 0;
    let now = start;
    while (now - start < forMs) {
      for (let i = 0; i < batch; i++) {
        const result = op();
        if (result instanceof Promise) await result;
      }
      ops += batch;
      now = performance.now();
    }
    const ms = now - start;
    return { ops, ms, rate: (ops * 1000) / ms };
  };
  await loop(warmupMs);
  return loop(durationMs);
}

/** The p-th percentile (0..100) of the values, nearest-rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
