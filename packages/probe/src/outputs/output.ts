import type { ProbeMessage } from "../message/types.js";

/** Counters of an output. */
export interface OutputStats {
  /** Messages handed on (written to the stream or socket, or published). */
  readonly sent: number;
  /** Messages given up on: spool overflow, a failed publish or write, a datagram too large. */
  readonly dropped: number;
  /** Messages waiting to be sent (spooled or in flight). */
  readonly pending: number;
}

/**
 * Where messages go. `send()` never blocks and never throws for I/O trouble (that is logged and
 * counted); it throws only after `close()`. `flush()` waits until everything sent so far is
 * handed on.
 */
export interface Output extends AsyncDisposable {
  /** E.g. `stdout`, `tcp:127.0.0.1:5000`. */
  readonly name: string;
  /** Queues or writes one message; throws `OutputClosedError` after `close()`, never for I/O trouble. */
  send(message: ProbeMessage): void;
  /** Resolves when nothing is pending; rejects with the signal's reason when it aborts first. */
  flush(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Stops the output and releases its resources (undelivered messages are counted as dropped). Idempotent. */
  close(): Promise<void>;
  /** Counters since the output was created. */
  stats(): OutputStats;
}

/** The wire form of a message: one JSON document and a newline. */
export function encodeLine(message: ProbeMessage): string {
  return `${JSON.stringify(message)}\n`;
}
