import { describe, expect, it } from "vitest";
import { DeletionCheck, type RemovalState } from "./deletion-check.js";

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const state = (marked: number[]): RemovalState => ({
  marks: new Map(marked.map((sequence) => [sequence, { subject: `x.${String(sequence)}`, at: 0 }])),
});

describe("DeletionCheck", () => {
  it("answers the checks of one turn with one request", async () => {
    const answers = [deferred<RemovalState>()];
    let asked = 0;
    const check = new DeletionCheck(() => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")));
    const results = Promise.all([check.deleted(5), check.deleted(6), check.deleted(7)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toBe(1);
    answers[0]?.resolve(state([6]));
    expect(await results).toEqual([false, true, false]);
  });

  it("a check asked while a request is on its way waits for the next answer, never an older one", async () => {
    const answers = [deferred<RemovalState>(), deferred<RemovalState>()];
    let asked = 0;
    const check = new DeletionCheck(() => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")));
    const first = check.deleted(10);
    await new Promise((resolve) => setImmediate(resolve));
    // Asked after the first request left: a delete may have completed in between.
    const second = check.deleted(10);
    answers[0]?.resolve(state([]));
    expect(await first).toBe(false);
    expect(asked).toBe(2);
    answers[1]?.resolve(state([10]));
    expect(await second).toBe(true);
  });

  it("fails the checks of a request that failed, and asks afresh for later ones", async () => {
    const answers = [deferred<RemovalState>(), deferred<RemovalState>()];
    let asked = 0;
    const seen: RemovalState[] = [];
    const check = new DeletionCheck(
      () => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")),
      (answer) => seen.push(answer),
    );
    const failed = check.deleted(1);
    await new Promise((resolve) => setImmediate(resolve));
    answers[0]?.reject(new Error("no leader"));
    await expect(failed).rejects.toThrow("no leader");
    const later = check.deleted(1);
    await new Promise((resolve) => setImmediate(resolve));
    answers[1]?.resolve(state([]));
    expect(await later).toBe(false);
    expect(seen).toHaveLength(1);
  });
});
