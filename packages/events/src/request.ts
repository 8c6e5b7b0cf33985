import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { RequestFailedError, RequestTimeoutError } from "./errors.js";
import { HEADER_REPLY_ERROR, type ResponseCodec } from "./response.js";

/** How long `request()` waits for a response, in ms (walnats' 4 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 4_000;

/**
 * The first message on `inbox` (subscribed before the event is published, so a fast actor's
 * response is never missed), decoded with the event's response codec.
 */
export class ResponseInbox<R> {
  readonly #subscription: Subscription;
  readonly #first: Promise<Msg>;

  constructor(nc: NatsConnection, inbox: string) {
    const subscription = nc.subscribe(inbox, { max: 1 });
    this.#subscription = subscription;
    this.#first = (async () => {
      for await (const msg of subscription) return msg;
      throw new Error("the response inbox closed without a message");
    })();
    // Settled by wait(), or abandoned when the publish fails: never an unhandled rejection.
    this.#first.catch(() => undefined);
  }

  /**
   * Waits for the response until `deadline` (monotonic ms, `performance.now()`) or the signal;
   * rejects with `RequestTimeoutError`, or `RequestFailedError` when the actor dead-lettered the event.
   */
  async wait(
    event: string,
    codec: Pick<ResponseCodec<R>, "decode">,
    timeoutMs: number,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const msg = await Promise.race([
        this.#first,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => {
              reject(new RequestTimeoutError(event, timeoutMs));
            },
            Math.max(0, deadline - performance.now()),
          );
        }),
        new Promise<never>((_, reject) => {
          if (signal === undefined) return;
          onAbort = () => {
            reject(signal.reason as Error);
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      const failure = msg.headers?.get(HEADER_REPLY_ERROR);
      if (failure !== undefined && failure !== "") {
        const colon = failure.indexOf(":");
        throw new RequestFailedError(event, colon === -1 ? failure : failure.slice(0, colon), failure.slice(colon + 1).trim());
      }
      return await codec.decode(msg.data);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      this.close();
    }
  }

  /** Stops listening; a late response goes nowhere (NATS drops it). */
  close(): void {
    if (!this.#subscription.isClosed()) this.#subscription.unsubscribe();
  }
}
