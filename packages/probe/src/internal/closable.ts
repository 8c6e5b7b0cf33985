/**
 * The `close()` contract of everything in this package that holds resources: the shutdown runs
 * once, every later `close()` returns the same promise, and `await using` closes it too.
 */
export abstract class Closable implements AsyncDisposable {
  #closing: Promise<void> | undefined;
  #closed = false;

  /** Whether `close()` was called (true from the moment it is called, not only once it finished). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops and releases everything. Idempotent: later calls return the first call's promise. */
  async close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      this.#closing = this.shutdown();
    }
    return this.#closing;
  }

  /** The same as {@link Closable.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The shutdown steps; called once, by the first `close()`, with `closed` already true. */
  protected abstract shutdown(): Promise<void>;
}
