import { describe, expect, it } from "vitest";
import { DeadlineHeap, type HeapEntry } from "./deadline-heap.js";

const entry = (heapKey: number): HeapEntry => ({ heapKey, heapIndex: -1 });

/** Pops everything in order by removing the top repeatedly. */
function drain(heap: DeadlineHeap<HeapEntry>): number[] {
  const keys: number[] = [];
  for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
    keys.push(top.heapKey);
    heap.remove(top);
  }
  return keys;
}

describe("DeadlineHeap", () => {
  it("returns entries in key order whatever the insertion order", () => {
    const heap = new DeadlineHeap();
    // A deterministic shuffle of 0..199.
    for (let i = 0; i < 200; i++) heap.push(entry((i * 73) % 200));
    expect(heap.size).toBe(200);
    expect(drain(heap)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("moves entries whose key changed and removes from the middle", () => {
    const heap = new DeadlineHeap();
    const entries = [50, 10, 40, 30, 20].map(entry);
    for (const e of entries) heap.push(e);
    const [fifty, ten, forty] = entries as [HeapEntry, HeapEntry, HeapEntry];
    fifty.heapKey = 5;
    heap.update(fifty);
    ten.heapKey = 45;
    heap.update(ten);
    heap.remove(forty);
    expect(forty.heapIndex).toBe(-1);
    heap.remove(forty); // not in the heap any more: no-op
    expect(drain(heap)).toEqual([5, 20, 30, 45]);
  });
});
