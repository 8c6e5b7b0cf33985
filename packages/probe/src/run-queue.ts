/**
 * A min-heap of `(time, item)` pairs: `pop()` returns the earliest item, and items due at the
 * same time come out in the order they were added (a stable FIFO tie-break, which DumbProbe's
 * heap of tuples lacked). Times and insertion numbers live in parallel arrays, so the hot path
 * of the scheduler allocates nothing per push or pop.
 */
export class RunQueue<T> {
  readonly #times: number[] = [];
  readonly #seqs: number[] = [];
  readonly #items: T[] = [];
  #nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether nothing is queued. */
  empty(): boolean {
    return this.#items.length === 0;
  }

  /** Time of the earliest item, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#times[0];
  }

  /** The earliest item without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Queues `item` at `time`; after every item already queued at the same time. */
  add(time: number, item: T): void {
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    const seq = this.#nextSeq++;
    let i = items.length;
    times.push(time);
    seqs.push(seq);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] ?? 0;
      if (pt < time || (pt === time && (seqs[parent] ?? 0) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] ?? 0;
      items[i] = items[parent] as T;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Removes and returns the earliest item, or `undefined` when empty. */
  get(): T | undefined {
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const time = times.pop() ?? 0;
    const seq = seqs.pop() ?? 0;
    const item = items.pop() as T;
    const n = items.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n) {
        const lt = times[left] ?? 0;
        const rt = times[right] ?? 0;
        if (rt < lt || (rt === lt && (seqs[right] ?? 0) < (seqs[left] ?? 0))) child = right;
      }
      const ct = times[child] ?? 0;
      if (time < ct || (time === ct && seq < (seqs[child] ?? 0))) break;
      times[i] = ct;
      seqs[i] = seqs[child] ?? 0;
      items[i] = items[child] as T;
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
    return top;
  }

  /** Removes every item. */
  clear(): void {
    this.#times.length = 0;
    this.#seqs.length = 0;
    this.#items.length = 0;
  }
}
