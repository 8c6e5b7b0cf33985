/** What the heap stores: anything that carries its own key and position. */
export interface HeapEntry {
  /** When the entry is due, in clock milliseconds. The heap orders by it. */
  heapKey: number;
  /** Position in the heap's array, or -1 when not in the heap. Maintained by the heap. */
  heapIndex: number;
}

/**
 * A binary min-heap of deadlines, the one timer structure of a monitor. Entries know their
 * position, so a deadline can move earlier (`update`) or the entry leave (`remove`) in
 * O(log n) without a search.
 */
export class DeadlineHeap<T extends HeapEntry> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The entry due first, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an entry that is not in the heap. */
  push(entry: T): void {
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  /** Restores order after the entry's key changed (either way). */
  update(entry: T): void {
    this.#up(entry.heapIndex);
    this.#down(entry.heapIndex);
  }

  /** Takes an entry out of the heap; a no-op when it is not in it. */
  remove(entry: T): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    const last = this.#items.pop();
    entry.heapIndex = -1;
    if (last === undefined || last === entry) return;
    this.#items[index] = last;
    last.heapIndex = index;
    this.update(last);
  }

  #up(index: number): void {
    const items = this.#items;
    const entry = items[index];
    if (entry === undefined) return;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (parent === undefined || parent.heapKey <= entry.heapKey) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const entry = items[index];
    if (entry === undefined) return;
    for (;;) {
      const left = 2 * index + 1;
      let child = items[left];
      if (child === undefined) break;
      let childIndex = left;
      const right = left + 1;
      const other = items[right];
      if (other !== undefined && other.heapKey < child.heapKey) {
        child = other;
        childIndex = right;
      }
      if (child.heapKey >= entry.heapKey) break;
      items[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
}
