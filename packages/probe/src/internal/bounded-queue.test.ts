import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./bounded-queue.js";

describe("BoundedQueue", () => {
  it("keeps FIFO order and drops the oldest beyond the bound, but never the newest item", () => {
    const queue = new BoundedQueue<string>(6, (s) => s.length);
    expect(queue.push("ab")).toBe(0);
    expect(queue.push("cd")).toBe(0);
    expect(queue.push("ef")).toBe(0);
    expect(queue.push("gh")).toBe(1);
    expect(queue.size).toBe(6);
    expect(queue.push("x".repeat(10))).toBe(3); // alone over the bound: kept, the rest dropped
    expect(queue.takeAll()).toEqual(["x".repeat(10)]);
    expect([queue.length, queue.size]).toEqual([0, 0]);
  });

  it("puts undelivered items back at the front in order, dropping the oldest if that overflows", () => {
    const queue = new BoundedQueue<number>(3, () => 1);
    for (const n of [1, 2, 3]) queue.push(n);
    const taken = [queue.shift(), queue.shift()] as number[];
    queue.push(4);
    expect(queue.unshift(taken)).toBe(1);
    expect(queue.takeAll()).toEqual([2, 3, 4]);
    expect(queue.shift()).toBeUndefined();
  });

  it("stays correct across many shifts (its storage is compacted)", () => {
    const queue = new BoundedQueue<number>(Number.POSITIVE_INFINITY, () => 1);
    for (let i = 0; i < 5_000; i++) queue.push(i);
    for (let i = 0; i < 4_000; i++) expect(queue.shift()).toBe(i);
    expect(queue.length).toBe(1_000);
    expect(queue.takeAll()[0]).toBe(4_000);
    queue.push(1);
    expect(queue.clear()).toBe(1);
  });
});
