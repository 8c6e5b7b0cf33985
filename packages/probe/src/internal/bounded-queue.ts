/**
 * A FIFO bounded by the total size of its items (DumbProbe's `MemorySpooler` when the size is
 * bytes; a count when every item is size 1): adding beyond the bound drops the oldest items, but
 * never the last one. Items taken but not delivered can be put back at the front.
 */
export class BoundedQueue<T> {
  readonly #limit: number;
  readonly #sizeOf: (item: T) => number;
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  constructor(limit: number, sizeOf: (item: T) => number) {
    this.#limit = limit;
    this.#sizeOf = sizeOf;
  }

  /** Number of items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Total size of the items. */
  get size(): number {
    return this.#size;
  }

  /** Appends an item; returns how many old items were dropped to make room. */
  push(item: T): number {
    this.#items.push(item);
    this.#size += this.#sizeOf(item);
    return this.#trim();
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined; // let it be collected
    this.#head++;
    this.#size -= this.#sizeOf(item);
    // Compact once the dead head outweighs the live items, so shifting stays O(1) amortized.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /**
   * Puts undelivered items back at the front, oldest first; returns how many items were dropped
   * (the oldest) if that exceeds the bound.
   */
  unshift(items: readonly T[]): number {
    if (items.length === 0) return 0;
    this.#items = [...items, ...this.#items.slice(this.#head)];
    this.#head = 0;
    for (const item of items) this.#size += this.#sizeOf(item);
    return this.#trim();
  }

  /** Removes and returns every item, oldest first. */
  takeAll(): T[] {
    const items = (this.#head === 0 ? this.#items : this.#items.slice(this.#head)) as T[];
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
    return items;
  }

  /** Removes every item; returns how many there were. */
  clear(): number {
    return this.takeAll().length;
  }

  #trim(): number {
    let dropped = 0;
    while (this.#size > this.#limit && this.length > 1) {
      this.shift();
      dropped++;
    }
    return dropped;
  }
}
