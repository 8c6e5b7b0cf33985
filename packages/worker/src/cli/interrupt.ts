/** A signal aborted by the first SIGINT or SIGTERM, for CLI commands that wait. */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** Stops listening (and gives Ctrl-C its default meaning back). */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM until `dispose()`: the first one aborts `signal`, so a waiting
 * command (`pop --wait`, `stats --watch`) ends cleanly instead of being killed mid-operation.
 */
export function untilInterrupted(): Interrupt {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}
