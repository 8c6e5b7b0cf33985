import type { QueueStats } from "@x/message";

/** One periodic reading of a queue's stats. `at` is wall-clock epoch ms. */
export interface QueueSample {
  readonly at: number;
  readonly ready: number;
  readonly delayed: number;
  readonly reserved: number;
  readonly buried: number;
}

/**
 * What changed between two samples, per second. There is no metrics API yet, so these are
 * derived from counts: `failed` is the growth of `buried`, and `drained` is the fall of the whole
 * depth, i.e. jobs finished minus jobs enqueued in the interval (negative while the queue grows).
 */
export interface QueueRate {
  readonly at: number;
  readonly depth: number;
  readonly failedPerSecond: number;
  readonly drainedPerSecond: number;
}

/** The last `capacity` samples of one queue, oldest first. */
export class SampleRing {
  readonly #capacity: number;
  readonly #items: QueueSample[] = [];
  #start = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(sample: QueueSample): void {
    if (this.#items.length < this.#capacity) this.#items.push(sample);
    else {
      this.#items[this.#start] = sample;
      this.#start = (this.#start + 1) % this.#capacity;
    }
  }

  toArray(): QueueSample[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }
}

/** A sample from stats taken at `at`. */
export function sampleOf(stats: QueueStats, at: number): QueueSample {
  return { at, ready: stats.ready, delayed: stats.delayed, reserved: stats.reserved, buried: stats.buried };
}

const depthOf = (s: QueueSample): number => s.ready + s.delayed + s.reserved + s.buried;

/** Rates between consecutive samples (one fewer than the samples); intervals of zero length are skipped. */
export function ratesOf(samples: readonly QueueSample[]): QueueRate[] {
  const rates: QueueRate[] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1];
    const after = samples[i];
    if (before === undefined || after === undefined) continue;
    const seconds = (after.at - before.at) / 1000;
    if (seconds <= 0) continue;
    rates.push({
      at: after.at,
      depth: depthOf(after),
      failedPerSecond: Math.max(0, after.buried - before.buried) / seconds,
      drainedPerSecond: (depthOf(before) - depthOf(after)) / seconds,
    });
  }
  return rates;
}
