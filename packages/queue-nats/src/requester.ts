import {
  ClosedConnectionError,
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  TimeoutError as NatsTimeoutError,
  NoRespondersError,
  type Subscription,
} from "@nats-io/transport-node";

interface Pending {
  readonly subject: string;
  readonly resolve: (msg: Msg) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Request/reply for the requests every job makes (its publish, the check that its copy is still
 * stored, its acknowledgement), over one reply subscription of its own. The client's `request()` builds
 * an Error for every call it completes (a stack trace it then throws away); on the hot path that
 * costs more CPU than the request itself. Failures are the client's own error classes (timeout,
 * no responders, closed connection), so callers map them as before.
 */
export class Requester {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix = createInbox();
  readonly #pending = new Map<string, Pending>();
  #subscription: Subscription | undefined;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    void nc.closed().then(() => {
      this.#failAll(new ClosedConnectionError());
    });
  }

  /** Sends `body` to `subject` and resolves with the reply; a reply with status 503 is `NoRespondersError`. */
  request(subject: string, body: string | Uint8Array, headers?: MsgHdrs): Promise<Msg> {
    this.#subscription ??= this.#nc.subscribe(`${this.#prefix}.*`, {
      callback: (error, msg) => {
        if (error !== null) {
          this.#failAll(error);
          return;
        }
        this.#answer(msg);
      },
    });
    const token = (this.#next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new NatsTimeoutError());
      }, this.#timeoutMs);
      this.#pending.set(token, { subject, resolve, reject, timer });
      try {
        this.#nc.publish(subject, body, { reply: `${this.#prefix}.${token}`, ...(headers === undefined ? {} : { headers }) });
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(token);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops listening for replies (the connection may be the caller's and live on); pending requests fail. */
  close(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined && !subscription.isClosed()) subscription.unsubscribe();
    this.#failAll(new ClosedConnectionError());
  }

  #answer(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length + 1);
    const pending = this.#pending.get(token);
    if (pending === undefined) return; // timed out already
    this.#pending.delete(token);
    clearTimeout(pending.timer);
    if (msg.headers?.code === 503) pending.reject(new NoRespondersError(pending.subject));
    else pending.resolve(msg);
  }

  #failAll(error: Error): void {
    for (const [token, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(token);
      pending.reject(error);
    }
  }
}
