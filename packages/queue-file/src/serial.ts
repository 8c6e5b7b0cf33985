/**
 * Turns an async task into one that many callers can trigger at once: a call while the task runs
 * joins the next run, which starts when the current one ends. Every caller gets a run that began
 * after its call, and N concurrent callers cost at most two runs. This is group commit: many
 * enqueues share one directory fsync, many writers one journal append.
 */
export function coalescing(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const trigger = (): Promise<void> => {
    if (next) return next;
    if (!running) {
      running = task().finally(() => {
        running = undefined;
      });
      return running;
    }
    next = running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return trigger();
      });
    return next;
  };
  return trigger;
}

/** Runs tasks one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
