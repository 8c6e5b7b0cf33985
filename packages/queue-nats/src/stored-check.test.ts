import { describe, expect, it } from "vitest";
import { type RemovalState, StoredCheck } from "./stored-check.js";

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const state = (firstSequence: number, marked: number[]): RemovalState => ({
  firstSequence,
  marks: new Map(marked.map((sequence) => [sequence, { subject: `x.${String(sequence)}`, at: 0 }])),
});

describe("StoredCheck", () => {
  it("answers the checks of one turn with one request: marked or below the first sequence is gone", async () => {
    const answers = [deferred<RemovalState>()];
    let asked = 0;
    const check = new StoredCheck(() => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")));
    const results = Promise.all([check.check(5), check.check(6), check.check(7), check.check(2)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toBe(1);
    answers[0]?.resolve(state(3, [6]));
    expect(await results).toEqual([true, false, true, false]);
  });

  it("a check asked while a request is on its way waits for the next answer, never an older one", async () => {
    const answers = [deferred<RemovalState>(), deferred<RemovalState>()];
    let asked = 0;
    const check = new StoredCheck(() => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")));
    const first = check.check(10);
    await new Promise((resolve) => setImmediate(resolve));
    // Asked after the first request left: a delete may have completed in between.
    const second = check.check(10);
    answers[0]?.resolve(state(1, []));
    expect(await first).toBe(true);
    expect(asked).toBe(2);
    answers[1]?.resolve(state(1, [10]));
    expect(await second).toBe(false);
  });

  it("fails the checks of a request that failed, and asks afresh for later ones", async () => {
    const answers = [deferred<RemovalState>(), deferred<RemovalState>()];
    let asked = 0;
    const seen: RemovalState[] = [];
    const check = new StoredCheck(
      () => answers[asked++]?.promise ?? Promise.reject(new Error("asked too often")),
      (answer) => seen.push(answer),
    );
    const failed = check.check(1);
    await new Promise((resolve) => setImmediate(resolve));
    answers[0]?.reject(new Error("no leader"));
    await expect(failed).rejects.toThrow("no leader");
    const later = check.check(1);
    await new Promise((resolve) => setImmediate(resolve));
    answers[1]?.resolve(state(1, []));
    expect(await later).toBe(true);
    expect(seen).toHaveLength(1);
  });
});
