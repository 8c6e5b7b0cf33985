import { describe, expect, it } from "vitest";
import { MinHeap } from "./heap.js";

describe("MinHeap", () => {
  it("pops in comparator order, through interleaved pushes and pops", () => {
    const heap = new MinHeap<number>((a, b) => a - b);
    const model: number[] = [];
    let state = 7;
    const random = (): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) % 1000;
    for (let round = 0; round < 2000; round++) {
      if (random() % 3 === 0) {
        model.sort((a, b) => a - b);
        expect(heap.pop()).toBe(model.shift());
      } else {
        const value = random();
        heap.push(value);
        model.push(value);
      }
      expect(heap.size).toBe(model.length);
    }
    model.sort((a, b) => a - b);
    expect(heap.top()).toBe(model[0]);
    const rest: number[] = [];
    for (let value = heap.pop(); value !== undefined; value = heap.pop()) rest.push(value);
    expect(rest).toEqual(model);
    heap.push(1);
    heap.clear();
    expect(heap.pop()).toBeUndefined();
  });
});
