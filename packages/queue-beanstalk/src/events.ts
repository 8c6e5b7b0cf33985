import { InvalidArgumentError } from "@x/message";
import type { ConnectionEvent } from "./protocol/connection.js";

/** Where log lines go: any object with these four methods (console, pino, ...). */
export interface BeanstalkLogger {
  debug(message: string, details?: Readonly<Record<string, unknown>>): void;
  info(message: string, details?: Readonly<Record<string, unknown>>): void;
  warn(message: string, details?: Readonly<Record<string, unknown>>): void;
  error(message: string, details?: Readonly<Record<string, unknown>>): void;
}

/** The events a beanstalk queue emits, by name. */
export interface BeanstalkQueueEvents {
  /**
   * A job was buried. beanstalkd cannot store a reason, so this is where it is reported: the
   * one given to `Reservation.bury(reason)`, or, with `foreign: true`, why a job put by another
   * producer could not be read as a message.
   */
  readonly buried: { readonly id: string; readonly reason: string; readonly foreign: boolean };
  /** A socket was (re)connected and its `use`/`watch` commands re-issued. */
  readonly connect: { readonly connection: string; readonly generation: number };
  /** A socket was lost. Jobs it had reserved are ready again on the server. */
  readonly disconnect: { readonly connection: string; readonly error: Error };
  /** A connect attempt failed; the next one follows after `delayMs`. */
  readonly reconnecting: {
    readonly connection: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: Error;
  };
}

/** The name of a {@link BeanstalkQueueEvents} event. */
export type BeanstalkQueueEventName = keyof BeanstalkQueueEvents;

const EVENT_NAMES: ReadonlySet<string> = new Set<BeanstalkQueueEventName>(["buried", "connect", "disconnect", "reconnecting"]);

/** A listener for event `E`. */
export type BeanstalkQueueListener<E extends BeanstalkQueueEventName> = (event: BeanstalkQueueEvents[E]) => void;

/**
 * A small typed emitter. A listener that throws is reported to the logger and does not disturb
 * the queue or the other listeners.
 */
export class QueueEvents {
  readonly #listeners = new Map<BeanstalkQueueEventName, Set<(event: never) => void>>();
  readonly #logger: BeanstalkLogger | undefined;

  constructor(logger: BeanstalkLogger | undefined) {
    this.#logger = logger;
  }

  on<E extends BeanstalkQueueEventName>(event: E, listener: BeanstalkQueueListener<E>): () => void {
    if (!EVENT_NAMES.has(event)) {
      throw new InvalidArgumentError("event", `must be one of ${[...EVENT_NAMES].join(", ")}, got ${JSON.stringify(event)}`);
    }
    if (typeof listener !== "function") throw new InvalidArgumentError("listener", `must be a function, got ${typeof listener}`);
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Logs a socket's change of state and emits it as a queue event. */
  fromConnection(event: ConnectionEvent): void {
    const { connection } = event;
    switch (event.type) {
      case "connect":
        this.#logger?.debug("beanstalkd connected", { connection, generation: event.generation });
        this.emit("connect", { connection, generation: event.generation });
        break;
      case "disconnect":
        this.#logger?.warn("beanstalkd connection lost", { connection, error: event.error.message });
        this.emit("disconnect", { connection, error: event.error });
        break;
      case "reconnecting": {
        const { attempt, delayMs, error } = event;
        this.#logger?.warn("beanstalkd connect failed; retrying", { connection, attempt, delayMs, error: error.message });
        this.emit("reconnecting", { connection, attempt, delayMs, error });
        break;
      }
    }
  }

  emit<E extends BeanstalkQueueEventName>(event: E, payload: BeanstalkQueueEvents[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as BeanstalkQueueListener<E>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.#logger?.error(`a ${event} listener threw`, { error: err });
      }
    }
  }
}
