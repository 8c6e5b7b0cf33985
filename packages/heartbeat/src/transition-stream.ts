import { IteratorOverflowError } from "./errors.js";

/** One consumer's queue: buffered items, or a consumer waiting for the next one. */
interface Subscriber<T> {
  readonly items: T[];
  head: number;
  waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  /** Set when the subscriber fell too far behind; thrown once the buffered items are read. */
  failure: Error | undefined;
  ended: boolean;
  detach: () => void;
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined };

/**
 * Fans items out to any number of async iterators, each with its own bounded buffer, so a slow
 * consumer neither blocks the producer nor grows without bound: past `maxBuffered` it is ended
 * with {@link IteratorOverflowError}.
 */
export class TransitionStream<T> {
  readonly #maxBuffered: number;
  readonly #subscribers = new Set<Subscriber<T>>();
  #ended = false;

  constructor(maxBuffered: number) {
    this.#maxBuffered = maxBuffered;
  }

  /** Whether anyone is iterating. */
  get active(): boolean {
    return this.#subscribers.size > 0;
  }

  push(item: T): void {
    for (const subscriber of this.#subscribers) {
      const resolve = subscriber.waiting;
      if (resolve !== undefined) {
        subscriber.waiting = undefined;
        resolve({ done: false, value: item });
      } else if (subscriber.items.length - subscriber.head >= this.#maxBuffered) {
        subscriber.failure = new IteratorOverflowError(this.#maxBuffered);
        this.#subscribers.delete(subscriber);
      } else {
        subscriber.items.push(item);
      }
    }
  }

  /** Ends every iteration once its buffered items are read; later subscriptions end at once. */
  end(): void {
    this.#ended = true;
    for (const subscriber of this.#subscribers) this.#finish(subscriber);
  }

  subscribe(signal?: AbortSignal): AsyncIterableIterator<T, undefined> {
    const onAbort = (): void => {
      this.#finish(subscriber);
    };
    const subscriber: Subscriber<T> = {
      items: [],
      head: 0,
      waiting: undefined,
      failure: undefined,
      ended: false,
      detach: () => {
        signal?.removeEventListener("abort", onAbort);
      },
    };
    if (this.#ended || signal?.aborted === true) subscriber.ended = true;
    else {
      this.#subscribers.add(subscriber);
      signal?.addEventListener("abort", onAbort, { once: true });
    }
    const next = async (): Promise<IteratorResult<T, undefined>> => {
      if (subscriber.head < subscriber.items.length) {
        const item = subscriber.items[subscriber.head] as T;
        subscriber.head++;
        // Compact now and then so a long-lived buffer does not keep consumed items.
        if (subscriber.head > 1024 && subscriber.head * 2 > subscriber.items.length) {
          subscriber.items.splice(0, subscriber.head);
          subscriber.head = 0;
        }
        return { done: false, value: item };
      }
      if (subscriber.failure !== undefined) {
        const failure = subscriber.failure;
        subscriber.failure = undefined;
        subscriber.ended = true;
        subscriber.detach();
        throw failure;
      }
      if (subscriber.ended) return DONE;
      return new Promise((resolve) => {
        subscriber.waiting = resolve;
      });
    };
    const iterator: AsyncIterableIterator<T, undefined> = {
      next,
      return: async () => {
        subscriber.items.length = 0;
        subscriber.head = 0;
        this.#finish(subscriber);
        return DONE;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #finish(subscriber: Subscriber<T>): void {
    subscriber.ended = true;
    subscriber.detach();
    this.#subscribers.delete(subscriber);
    const resolve = subscriber.waiting;
    subscriber.waiting = undefined;
    resolve?.(DONE);
  }
}
