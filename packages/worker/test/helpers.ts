import type { QueueAdapter, Reservation, ReserveOptions } from "@x/message";
import type { Worker, WorkerEvents } from "../src/index.js";

/** Every event a worker emitted, in order. */
export interface Recorded {
  readonly all: { readonly event: keyof WorkerEvents; readonly payload: unknown }[];
  of<E extends keyof WorkerEvents>(event: E): WorkerEvents[E][];
}

const EVENTS: readonly (keyof WorkerEvents)[] = [
  "reserved",
  "succeeded",
  "retried",
  "buried",
  "expired",
  "deferred",
  "timed-out",
  "progress",
  "error",
  "stopping",
  "stopped",
];

export function record(worker: Worker): Recorded {
  const all: Recorded["all"] = [];
  for (const event of EVENTS) worker.on(event, (payload) => all.push({ event, payload }));
  return {
    all,
    of: <E extends keyof WorkerEvents>(event: E) => all.filter((e) => e.event === event).map((e) => e.payload as WorkerEvents[E]),
  };
}

/**
 * Polls until `predicate` holds. The timeout only turns a hang into a readable failure; tests never
 * assert how fast something happened.
 */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What {@link instrument} records about a queue. */
export interface Instrumented {
  readonly queue: QueueAdapter;
  /** Every `reserve` call: when (Date.now()) and with which options. */
  readonly reserves: { readonly at: number; readonly options: ReserveOptions }[];
  /** Every `touch` of a reservation: when, and of which job. */
  readonly touches: { readonly at: number; readonly id: string }[];
  /** When set, the next `reserve` calls reject with it (a broken queue). */
  failReserve: unknown;
  /** When set, `touch` rejects with it. */
  failTouch: unknown;
}

/** Wraps a queue to record `reserve` and `touch` calls and to inject failures; the rest passes through. */
export function instrument(queue: QueueAdapter): Instrumented {
  const state: Instrumented = {
    queue,
    reserves: [],
    touches: [],
    failReserve: undefined,
    failTouch: undefined,
  };
  const wrapReservation = (reservation: Reservation): Reservation => ({
    message: reservation.message,
    leaseMs: reservation.leaseMs,
    ack: () => reservation.ack(),
    release: (options) => reservation.release(options),
    bury: (reason) => reservation.bury(reason),
    touch: () => {
      state.touches.push({ at: Date.now(), id: reservation.message.id });
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- tests inject any value
      return state.failTouch === undefined ? reservation.touch() : Promise.reject(state.failTouch);
    },
  });
  const wrapped = withReserve(queue, async (options) => {
    state.reserves.push({ at: Date.now(), options });
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tests inject any value
    if (state.failReserve !== undefined) throw state.failReserve;
    const reservation = await queue.reserve(options);
    return reservation && wrapReservation(reservation);
  });
  return Object.assign(state, { queue: wrapped });
}

/** The same queue with its `reserve` replaced; every other member passes through to `queue`. */
export function withReserve(queue: QueueAdapter, reserve: (options: ReserveOptions) => Promise<Reservation | null>): QueueAdapter {
  return new Proxy(queue, {
    get(target, property) {
      if (property === "reserve") return (options: ReserveOptions = {}) => reserve(options);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Shorthand: a wrapped queue and the list of its `reserve` options. */
export function countReserves(queue: QueueAdapter): { queue: QueueAdapter; reserves: ReserveOptions[] } {
  const instrumented = instrument(queue);
  return {
    queue: instrumented.queue,
    get reserves() {
      return instrumented.reserves.map((r) => r.options);
    },
  };
}
