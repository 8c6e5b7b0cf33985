import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { checkOptionKeys, integerOption } from "@x/core";
import type { AnyEvent } from "./event.js";
import { headerRecord } from "./nats-headers.js";
import { checkSignal } from "./signal.js";

/** How many events `monitor()` keeps for a slow reader before it drops the oldest. */
export const DEFAULT_MONITOR_BUFFER = 1_000;

/** One event seen by `monitor()`: decoded, or why it could not be. */
export type MonitoredEvent =
  | {
      readonly event: string;
      readonly payload: unknown;
      readonly error?: undefined;
      readonly headers: Readonly<Record<string, string>>;
      /** When this process saw it, epoch ms. */
      readonly receivedAt: number;
    }
  | {
      readonly event: string;
      readonly payload?: undefined;
      /** The decode or schema error: the feed goes on. */
      readonly error: unknown;
      readonly headers: Readonly<Record<string, string>>;
      readonly receivedAt: number;
    };

/** Options of `monitor()`. */
export interface MonitorOptions {
  /** Ends the feed. @default none (until `return()` or `close()`) */
  readonly signal?: AbortSignal;
  /** Events kept for a slow reader; beyond it the oldest are dropped and counted. @default {@link DEFAULT_MONITOR_BUFFER} */
  readonly maxBuffered?: number;
}

/** The live feed `monitor()` returns: an async iterable of events, and how many a slow reader missed. */
export interface EventMonitor extends AsyncIterable<MonitoredEvent> {
  /** Events dropped because the reader fell more than `maxBuffered` behind. */
  readonly dropped: number;
  /** The next event; `done` once the feed ended (signal, `return()`). */
  next(): Promise<IteratorResult<MonitoredEvent, undefined>>;
  /** Ends the feed: unsubscribes and forgets what was buffered. */
  return(): Promise<IteratorResult<MonitoredEvent, undefined>>;
  [Symbol.asyncIterator](): EventMonitor;
}

/**
 * walnats' `monitor()`: a live feed of the events published on the given events' subjects, from
 * plain NATS subscriptions, so it touches no stream and no consumer (events from before the call
 * are not replayed). Unlike walnats' unbounded queue, a slow reader loses the oldest events, and
 * they are counted; an event that cannot be decoded is an entry with its error, not the end of
 * the feed.
 */
export function monitorEvents(nc: NatsConnection, events: readonly AnyEvent[], options: MonitorOptions = {}): EventMonitor {
  checkOptionKeys(options, ["signal", "maxBuffered"], "monitor");
  checkSignal(options.signal);
  const maxBuffered = integerOption("maxBuffered", options.maxBuffered, DEFAULT_MONITOR_BUFFER, 1);
  const buffer: Promise<MonitoredEvent>[] = [];
  let dropped = 0;
  let wake: (() => void) | undefined;
  let done = false;
  const subscriptions: Subscription[] = [];

  const decode = async (event: AnyEvent, msg: Msg): Promise<MonitoredEvent> => {
    const receivedAt = Date.now();
    let headers: Readonly<Record<string, string>> = {};
    try {
      headers = headerRecord(msg.headers);
      return { event: event.name, payload: await event.decode(msg.data), headers, receivedAt };
    } catch (error) {
      return { event: event.name, error, headers, receivedAt };
    }
  };
  const stop = (): void => {
    if (done) return;
    done = true;
    for (const subscription of subscriptions) subscription.unsubscribe();
    wake?.();
  };
  for (const event of events) {
    subscriptions.push(
      nc.subscribe(event.subject, {
        callback: (error, msg) => {
          if (error !== null || done) return;
          // Decoding starts at once (in arrival order); the reader awaits each in turn.
          buffer.push(decode(event, msg));
          if (buffer.length > maxBuffered) {
            // decode() never rejects: a dropped entry needs no handler.
            void buffer.shift();
            dropped++;
          }
          wake?.();
        },
      }),
    );
  }
  options.signal?.addEventListener("abort", stop, { once: true });

  const monitor: EventMonitor = {
    get dropped() {
      return dropped;
    },
    async next(): Promise<IteratorResult<MonitoredEvent, undefined>> {
      while (buffer.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const first = buffer.shift();
      if (first === undefined) return { done: true, value: undefined };
      return { done: false, value: await first };
    },
    return(): Promise<IteratorResult<MonitoredEvent, undefined>> {
      stop();
      buffer.length = 0;
      options.signal?.removeEventListener("abort", stop);
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return monitor;
    },
  };
  return monitor;
}
