/** All items due at one time, in the order they were added. */
interface Bucket<T> {
  readonly time: number;
  readonly items: T[];
  /** Index of the next item to hand out. */
  head: number;
}

/** Stands in for a missing heap slot; never read past the bounds checks. */
const NO_BUCKET: Bucket<never> = { time: Number.POSITIVE_INFINITY, items: [], head: 0 };

/**
 * A queue of `(time, item)` pairs: `get()` returns the earliest item, and items due at the same
 * time come out in the order they were added (a stable FIFO tie-break, which DumbProbe's heap of
 * tuples lacked). Items are grouped in buckets by time and only the buckets sit in a min-heap, so
 * the common case of a probe, many checks due at the same moment, costs an array push and an
 * index bump per item instead of a heap operation.
 */
export class RunQueue<T> {
  /** Min-heap of buckets by time; every bucket has at least one item left. */
  readonly #heap: Bucket<T>[] = [];
  readonly #byTime = new Map<number, Bucket<T>>();
  /** The bucket the last `add()` went to: consecutive adds at one time skip the map. */
  #last: Bucket<T> | undefined;
  #size = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#size;
  }

  /** Whether nothing is queued. */
  empty(): boolean {
    return this.#size === 0;
  }

  /** Time of the earliest item, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.time;
  }

  /** The earliest item without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    const top = this.#heap[0];
    return top === undefined ? undefined : top.items[top.head];
  }

  /** Queues `item` at `time`; after every item already queued at the same time. */
  add(time: number, item: T): void {
    this.#size++;
    const last = this.#last;
    if (last?.time === time && last.head < last.items.length) {
      last.items.push(item);
      return;
    }
    let bucket = this.#byTime.get(time);
    if (bucket === undefined) {
      bucket = { time, items: [item], head: 0 };
      this.#byTime.set(time, bucket);
      this.#push(bucket);
    } else {
      bucket.items.push(item);
    }
    this.#last = bucket;
  }

  /** Removes and returns the earliest item, or `undefined` when empty. */
  get(): T | undefined {
    const top = this.#heap[0];
    if (top === undefined) return undefined;
    const item = top.items[top.head] as T;
    top.items[top.head] = undefined as T; // let it be collected
    top.head++;
    this.#size--;
    if (top.head === top.items.length) {
      this.#byTime.delete(top.time);
      if (this.#last === top) this.#last = undefined;
      this.#popTop();
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.#heap.length = 0;
    this.#byTime.clear();
    this.#last = undefined;
    this.#size = 0;
  }

  #push(bucket: Bucket<T>): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(bucket);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] ?? NO_BUCKET;
      if (p.time <= bucket.time) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = bucket;
  }

  #popTop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    const n = heap.length;
    if (last === undefined || n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (heap[right] ?? NO_BUCKET).time < (heap[left] ?? NO_BUCKET).time) child = right;
      const c = heap[child] ?? NO_BUCKET;
      if (last.time <= c.time) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}
