import type { AnyActor, HandlerContext } from "./actor.js";
import type { Delivery } from "./delivery.js";
import { JobTimeoutError } from "./errors.js";
import { HEADER_MSG_ID, HEADER_TRACE } from "./headers.js";
import type { JobInfo } from "./middleware.js";

/**
 * The context a handler gets: the job's facts plus an `AbortSignal` created only when the handler
 * reads it, so the common handler that never looks at it costs no AbortController. One object per
 * job, which also carries the job's abort hook and its `jobTimeoutMs` timer, so a job needs no
 * closures of its own.
 */
export class JobScope implements HandlerContext {
  readonly actor: string;
  readonly event: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly seq: number;
  readonly uid: string | undefined;
  readonly traceId: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  #controller: AbortController | undefined;
  #reason: Error | undefined;
  #fail: ((error: Error) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(actor: AnyActor, delivery: Delivery, attempt: number) {
    this.actor = actor.name;
    this.event = actor.event.name;
    this.attempt = attempt;
    this.maxAttempts = actor.maxAttempts;
    this.seq = delivery.streamSeq;
    this.uid = delivery.headers[HEADER_MSG_ID];
    this.traceId = delivery.headers[HEADER_TRACE];
    this.headers = delivery.headers;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** The job's facts without the signal, for middlewares and dead letters. */
  info(): JobInfo {
    const { actor, event, attempt, maxAttempts, seq, uid, traceId, headers } = this;
    return { actor, event, attempt, maxAttempts, seq, uid, traceId, headers };
  }

  /** Fails the running handler with `reason` and aborts its signal (once). */
  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#fail?.(reason);
  }

  /** A promise that rejects when the job is aborted, to race the handler against. */
  failed(): Promise<never> {
    return new Promise<never>((_, reject) => {
      this.#fail = reject;
      if (this.#reason !== undefined) reject(this.#reason);
    });
  }

  /** Aborts the job with a {@link JobTimeoutError} after `delayMs` (the rest of `jobTimeoutMs`). */
  startTimeout(delayMs: number, jobTimeoutMs: number): void {
    this.#timer = setTimeout(timeOut, Math.max(0, delayMs), this, jobTimeoutMs);
  }

  /** Cancels the timeout, if one was started. */
  stopTimeout(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

// Module level, with the scope as an argument: no closure per job.
function timeOut(scope: JobScope, jobTimeoutMs: number): void {
  scope.abort(new JobTimeoutError(scope.actor, jobTimeoutMs));
}
