import type { Logger } from "./logger.js";

/** A listener of one event of a component. */
export type Listener<T> = (event: T) => void;

/** Stops a listener; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * The one way to observe an `@x` component: `component.on("name", listener)` returns a function
 * that removes the listener. Listeners run synchronously in order; one that throws does not stop
 * the others or the component (the error goes to `onListenerError`).
 */
export interface Observable<Events extends object> {
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Unsubscribe;
}

/**
 * The typed emitter behind {@link Observable}: components keep one privately and expose `on`.
 * Emitting with no listener costs one map lookup, so hot paths can emit freely.
 */
export class Emitter<Events extends object> implements Observable<Events> {
  readonly #listeners = new Map<keyof Events, Listener<never>[]>();
  readonly #onListenerError: (error: unknown, event: keyof Events) => void;

  /** `onListenerError` receives what a listener threw; by default it is logged at `error` level, or dropped. */
  constructor(options: { readonly onListenerError?: (error: unknown, event: keyof Events) => void; readonly logger?: Logger } = {}) {
    const logger = options.logger;
    this.#onListenerError =
      options.onListenerError ??
      ((error, event) => {
        logger?.error({ event: String(event), error }, "a listener threw");
      });
  }

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Unsubscribe {
    const list = this.#listeners.get(event) ?? [];
    // Copy on write: a listener that unsubscribes during an emit does not shift the others.
    this.#listeners.set(event, [...list, listener]);
    return () => {
      const current = this.#listeners.get(event);
      if (current === undefined) return;
      const next = current.filter((l) => l !== listener);
      if (next.length === 0) this.#listeners.delete(event);
      else this.#listeners.set(event, next);
    };
  }

  /** True when someone listens to `event`: lets a caller skip building a costly payload. */
  has(event: keyof Events): boolean {
    return this.#listeners.has(event);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const list = this.#listeners.get(event) as Listener<Events[E]>[] | undefined;
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
