/**
 * A binary min-heap over a three-way comparator. `@x/message` has one for its memory queue but
 * does not export it; this one sorts by `compare(a, b) < 0` so it can take the name comparators
 * of `names.ts` directly.
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  top(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    let hole = items.length;
    items.push(item);
    while (hole > 0) {
      const up = (hole - 1) >>> 1;
      const parent = items[up] as T;
      if (this.#compare(item, parent) >= 0) break;
      items[hole] = parent;
      hole = up;
    }
    items[hole] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length <= 1) return items.pop();
    const top = items[0];
    const moving = items.pop() as T;
    const size = items.length;
    let hole = 0;
    for (let child = 1; child < size; child = 2 * hole + 1) {
      const sibling = child + 1;
      if (sibling < size && this.#compare(items[sibling] as T, items[child] as T) < 0) child = sibling;
      if (this.#compare(items[child] as T, moving) >= 0) break;
      items[hole] = items[child] as T;
      hole = child;
    }
    items[hole] = moving;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
