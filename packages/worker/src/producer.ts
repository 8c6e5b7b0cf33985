import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { Message, MessageInit, QueueAdapter } from "@x/message";

/** Everything `enqueue` takes besides the request type and payload. */
export type EnqueueOptions = Omit<MessageInit, "requestType" | "payload">;

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  /** Where jobs go. The producer never closes it: it is yours. */
  readonly queue: QueueAdapter;
}

/** Enqueues jobs whose payload type is checked against a job map (see {@link createProducer}). */
export interface Producer<Jobs extends object> {
  /**
   * Enqueues one job of `requestType`; resolves to the stored message (id filled in). The values
   * of `options` are checked by the queue (`InvalidArgumentError` of `@x/message`).
   * @throws InvalidOptionError for a key `enqueue` does not know (`delay_ms`, `requestType`).
   */
  enqueue<K extends keyof Jobs & string>(requestType: K, payload: Jobs[K], options?: EnqueueOptions): Promise<Message<Jobs[K]>>;
}

const PRODUCER_OPTION_KEYS = ["queue"] as const satisfies readonly (keyof ProducerOptions)[];
const ENQUEUE_OPTION_KEYS = [
  "id",
  "priority",
  "delay",
  "delayMs",
  "expiration",
  "expiresInMs",
  "attempts",
  "header",
  "body",
] as const satisfies readonly (keyof EnqueueOptions)[];

/**
 * The producer side of a typed job map: the same `Jobs` type that types the worker's handlers
 * makes a wrong request type or payload shape a compile error when enqueueing.
 *
 * @example
 * ```ts
 * interface Jobs { send_email: { to: string } }
 * const jobs = createProducer<Jobs>({ queue });
 * await jobs.enqueue("send_email", { to: "ada@example.com" }, { priority: 10 });
 * ```
 * @throws InvalidOptionError for an unknown option or a `queue` that is not a QueueAdapter.
 */
export function createProducer<Jobs extends object>(options: ProducerOptions): Producer<Jobs> {
  checkOptionKeys(options, PRODUCER_OPTION_KEYS, "createProducer");
  const queue = (options as ProducerOptions | undefined)?.queue;
  if (typeof queue !== "object" || (queue as unknown) === null || typeof queue.enqueue !== "function") {
    throw new InvalidOptionError("queue", undefined, "must be a QueueAdapter");
  }
  return {
    enqueue(requestType, payload, enqueueOptions = {}) {
      try {
        checkOptionKeys(enqueueOptions, ENQUEUE_OPTION_KEYS, "enqueue");
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.enqueue({ ...enqueueOptions, requestType, payload });
    },
  };
}
