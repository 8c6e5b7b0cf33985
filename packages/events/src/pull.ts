import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import { describeValue, type Logger, sleep } from "@x/core";
import { abortable } from "./abortable.js";
import type { ConnectionWatch } from "./connection-watch.js";
import type { ActorSlots } from "./slots.js";

/** Pause after a failed pull request (server gone, consumer deleted, ...) before the next one, in ms. */
export const FETCH_ERROR_DELAY_MS = 1_000;

/** How {@link consumeWithinSlots} pulls. */
export interface PullOptions {
  /** Messages per pull request, at most. */
  readonly batch: number;
  /** How long one pull request waits for messages. */
  readonly pollDelayMs: number;
  /**
   * Take up to `batch` messages, then return: pull requests within the free slots, a new one
   * whenever a slot frees, until `batch` came or a request came back short (nothing left).
   */
  readonly burst: boolean;
  /** No new pull requests once aborted; open ones are closed. */
  readonly stop: AbortSignal;
  /** While the connection is down, pulls wait for it instead of failing every second. */
  readonly watch: Pick<ConnectionWatch, "connected" | "untilConnected">;
  readonly logger: Logger;
  /** Fields every log line carries (actor and event). */
  readonly logFields: Readonly<Record<string, string>>;
}

/**
 * Hands every message of `consumer` to `onMessage`, pulling only as many as there are free
 * `slots`, until `stop` aborts (or, in burst mode, until `batch` messages came or none are left). Like nats.js' `consume()`, it hides the
 * pull requests: the caller sees a stream of messages. Unlike `consume()`, it never asks for a
 * message without a free slot for it, so no message waits in this process while another
 * instance of the actor idles (walnats fetched a whole batch and let it wait).
 *
 * Slots: `onMessage` returns `true` when it used a slot for the message (the job frees it when
 * its handler is done), `false` when it did not. Slots a pull request did not use go back when it
 * ends.
 *
 * A pull request is opened as soon as a slot is free, so several may be open at once: a slot
 * freed by a finished job is filled without waiting for the other requests to expire.
 */
export async function consumeWithinSlots(
  consumer: Consumer,
  slots: ActorSlots,
  options: PullOptions,
  onMessage: (msg: JsMsg) => boolean | Promise<boolean>,
): Promise<void> {
  const { stop } = options;
  const open = new Set<ConsumerMessages>();
  const closeOpen = (): void => {
    for (const messages of open) void messages.close();
  };
  // One shared pause after failures: during an outage every open request fails at once, and one
  // timer (and one abort listener) serves them all.
  let pausing: Promise<void> | undefined;
  const pauseAfterFailure = (): Promise<void> =>
    (pausing ??= (async () => {
      // The disconnect was reported once by the connection watch: wait for the connection
      // instead of failing a request every second of an outage.
      if (!options.watch.connected) await abortable(options.watch.untilConnected(), stop).catch(() => undefined);
      await sleep(FETCH_ERROR_DELAY_MS, stop).catch(() => undefined);
    })().finally(() => {
      pausing = undefined;
    }));

  /** One pull request for `count` messages, holding `count` slots; resolves with how many it used. */
  const pull = async (count: number): Promise<number> => {
    let used = 0;
    let messages: ConsumerMessages | undefined;
    try {
      messages = await consumer.fetch({ max_messages: count, expires: options.pollDelayMs });
      open.add(messages);
      if (stop.aborted) void messages.close();
      for await (const msg of messages) {
        const took = onMessage(msg);
        if (took instanceof Promise ? await took : took) used++;
      }
    } catch (error) {
      if (!stop.aborted) {
        const fields = { ...options.logFields, error: describeValue(error) };
        if (options.watch.connected) options.logger.warn(fields, "pull request failed; retrying");
        else options.logger.debug(fields, "pull request failed while disconnected; waiting for the connection");
        await pauseAfterFailure();
      }
    } finally {
      if (messages !== undefined) open.delete(messages);
      slots.release(count - used);
    }
    return used;
  };

  stop.addEventListener("abort", closeOpen, { once: true });
  try {
    if (options.burst) {
      // A burst larger than the free slots (walnats' test: 20 events, 16 jobs) is drained as
      // slots free up, never running more jobs at once than the limits allow.
      let left = options.batch;
      while (!stop.aborted && left > 0) {
        let count: number;
        try {
          count = await takeBatch(slots, left, stop);
        } catch {
          break; // stopped while waiting for a slot
        }
        const used = await pull(count);
        left -= used;
        if (used < count) break; // the request came back short: nothing left to take
      }
      return;
    }
    const pulls = new Set<Promise<number>>();
    while (!stop.aborted) {
      let count: number;
      try {
        count = await takeBatch(slots, options.batch, stop);
      } catch {
        break; // stopped while waiting for a slot
      }
      const request = pull(count);
      pulls.add(request);
      void request.finally(() => pulls.delete(request));
    }
    closeOpen();
    await Promise.all([...pulls]);
  } finally {
    stop.removeEventListener("abort", closeOpen);
  }
}

/**
 * Waits for a free slot, then takes up to `batch`. Jobs finish in bursts (a pull request
 * delivers many messages at once), so when fewer than `batch` are free it waits one turn of the
 * event loop and adds the slots freed meanwhile: the next request then asks for many messages
 * instead of one.
 */
async function takeBatch(slots: ActorSlots, batch: number, signal: AbortSignal): Promise<number> {
  let taken = await slots.take(batch, signal);
  if (taken < batch) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    taken += slots.tryTake(batch - taken);
  }
  return taken;
}
