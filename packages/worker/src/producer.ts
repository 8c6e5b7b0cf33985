import type { Message, MessageInit, QueueAdapter } from "@x/message";

/** Everything `enqueue` takes besides the request type and payload. */
export type EnqueueOptions = Omit<MessageInit, "requestType" | "payload">;

/** Enqueues jobs whose payload type is checked against a job map (see {@link createProducer}). */
export interface Producer<Jobs extends object> {
  /** Enqueues one job of `requestType`; resolves to the stored message (id filled in). */
  enqueue<K extends keyof Jobs & string>(requestType: K, payload: Jobs[K], options?: EnqueueOptions): Promise<Message<Jobs[K]>>;
}

/**
 * The producer side of a typed job map: the same `Jobs` type that types the worker's handlers
 * makes a wrong request type or payload shape a compile error when enqueueing.
 *
 * @example
 * ```ts
 * interface Jobs { send_email: { to: string } }
 * const jobs = createProducer<Jobs>(queue);
 * await jobs.enqueue("send_email", { to: "ada@example.com" }, { priority: 10 });
 * ```
 */
export function createProducer<Jobs extends object>(queue: QueueAdapter): Producer<Jobs> {
  return {
    enqueue(requestType, payload, options = {}) {
      return queue.enqueue({ ...options, requestType, payload });
    },
  };
}
