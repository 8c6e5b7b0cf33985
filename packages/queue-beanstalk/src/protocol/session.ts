import FiveBeansClient from "fivebeans/lib/client.js";
import { ConnectionError, TimeoutError } from "@x/message";
import { BeanstalkCommandError } from "../errors.js";
import { parseJobStats, parseServerStats, parseTubeStats, type JobStats, type ServerStats, type TubeStats } from "./stats.js";

/** A job as `reserve` or `peek` hands it over. */
export interface RawJob {
  readonly id: number;
  readonly body: Buffer;
}

interface Pending {
  readonly command: string;
  /** When the reply is overdue (epoch ms); `Infinity` for never. */
  readonly deadline: number;
  readonly timeoutMs: number;
  done: boolean;
  fail(error: Error): void;
}

interface Settle<T> {
  ok(value: T): void;
  fail(reply: string): void;
}

function toNumber(command: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new BeanstalkCommandError(command, `non-numeric reply ${text}`);
  return value;
}

/**
 * One socket to beanstalkd: fivebeans' client behind promises. What it fixes in fivebeans:
 * error replies become {@link BeanstalkCommandError}s, ids and counts become numbers, an `error`
 * listener is always attached (without one a refused connection crashes the process), every
 * pending command is rejected with `ConnectionError` the moment the socket closes (fivebeans
 * never calls those callbacks), and commands time out. Commands are pipelined: fivebeans matches
 * replies to callbacks in order.
 *
 * A session never reconnects; {@link Connection} opens a new one.
 */
export class Session {
  readonly address: string;
  /** Resolves with the reason once the socket is closed. */
  readonly closed: Promise<Error>;
  readonly #client: FiveBeansClient;
  readonly #commandTimeoutMs: number;
  /**
   * Commands waiting for their reply, oldest first (beanstalkd answers in order). Settled entries
   * are dropped from the front; `#head` avoids an O(n) shift per reply in long pipelines.
   */
  #pending: Pending[] = [];
  #head = 0;
  #pendingCount = 0;
  /** One timer for the whole pipeline: only the oldest command can be overdue. */
  #watchdog: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] = [];
  #state: "connecting" | "open" | "closed" = "connecting";
  #ended = false;
  #lastError: Error | undefined;
  #resolveClosed!: (reason: Error) => void;

  private constructor(host: string, port: number, commandTimeoutMs: number) {
    this.address = `${host}:${port}`;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#client = new FiveBeansClient(host, port);
    // Always listening: an unhandled 'error' event would crash the process.
    this.#client.on("error", (err: Error) => {
      this.#lastError = err;
    });
    this.#client.on("close", () => {
      this.#shutdown(this.#lastError);
    });
  }

  /** Connects, or rejects with `ConnectionError` (refused, unreachable, or no answer in time). */
  static async open(host: string, port: number, options: { connectTimeoutMs: number; commandTimeoutMs: number }): Promise<Session> {
    const session = new Session(host, port, options.commandTimeoutMs);
    const client = session.#client;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.destroy(new TimeoutError(`no connection to ${session.address} within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      client.once("connect", () => {
        clearTimeout(timer);
        if (session.#state === "connecting") session.#state = "open";
        resolve();
      });
      void session.closed.then((reason) => {
        clearTimeout(timer);
        reject(new ConnectionError(`cannot connect to beanstalkd at ${session.address}: ${reason.message}`, { cause: reason }));
      });
      client.connect();
    });
    return session;
  }

  /** Whether commands can be sent. */
  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** How many commands wait for their reply. */
  get pendingCount(): number {
    return this.#pendingCount;
  }

  /** Closes the socket at once; pending commands reject with `ConnectionError`. */
  destroy(reason?: Error): void {
    this.#lastError ??= reason;
    this.#client.stream?.destroy();
    this.#shutdown(reason ?? new Error("connection closed by this client"));
  }

  /** Waits for pending replies (at most `timeoutMs`), then closes the socket. */
  async end(timeoutMs: number): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#state === "open" && this.#pendingCount > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#drainWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.destroy(new Error("connection closed by this client"));
  }

  #shutdown(reason: Error | undefined): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    const cause = reason ?? new Error("socket closed");
    const error = new ConnectionError(`connection to beanstalkd at ${this.address} closed: ${cause.message}`, { cause });
    const pending = this.#pending.slice(this.#head);
    this.#pending = [];
    this.#head = 0;
    this.#pendingCount = 0;
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    for (const entry of pending) entry.fail(error);
    this.#notifyDrained();
    this.#resolveClosed(cause);
  }

  #notifyDrained(): void {
    if (this.#pendingCount > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Sends one command and settles when its reply arrives, the socket closes, or `timeoutMs`
   * passes. A timeout closes the socket: the reply may still come and would be matched to the
   * next command.
   */
  #request<T>(command: string, timeoutMs: number, issue: (settle: Settle<T>) => void): Promise<T> {
    if (this.#state !== "open") {
      return Promise.reject(new ConnectionError(`connection to beanstalkd at ${this.address} is closed`, { cause: this.#lastError }));
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        command,
        deadline: Date.now() + timeoutMs,
        timeoutMs,
        done: false,
        fail: (error) => {
          if (entry.done) return;
          entry.done = true;
          reject(error);
        },
      };
      const finish = (): boolean => {
        if (entry.done) return false;
        entry.done = true;
        this.#settled();
        return true;
      };
      this.#pending.push(entry);
      this.#pendingCount++;
      this.#armWatchdog();
      this.#corkForThisTick();
      try {
        issue({
          ok: (value) => {
            if (finish()) resolve(value);
          },
          fail: (reply) => {
            if (finish()) reject(new BeanstalkCommandError(command, reply));
          },
        });
      } catch (err) {
        if (finish()) reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** A reply came: drop settled entries from the front. */
  #settled(): void {
    this.#pendingCount--;
    while (this.#head < this.#pending.length && this.#pending[this.#head]?.done === true) this.#head++;
    if (this.#head === this.#pending.length) {
      this.#pending = [];
      this.#head = 0;
      // Nothing left to watch; a timer left armed would keep an idle process alive.
      clearTimeout(this.#watchdog);
      this.#watchdog = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    this.#notifyDrained();
  }

  #armWatchdog(): void {
    if (this.#watchdog) return;
    const oldest = this.#pending[this.#head];
    if (!oldest || oldest.deadline === Infinity) return;
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      this.#checkOverdue();
    }, Math.max(0, oldest.deadline - Date.now()));
  }

  /**
   * The reply to the oldest command is overdue: reject it with `TimeoutError` and drop the socket
   * (a late reply would be matched to the next command).
   */
  #checkOverdue(): void {
    const oldest = this.#pending[this.#head];
    if (!oldest) return;
    if (Date.now() < oldest.deadline) {
      this.#armWatchdog();
      return;
    }
    const error = new TimeoutError(`beanstalkd ${oldest.command}: no reply from ${this.address} within ${oldest.timeoutMs} ms`);
    oldest.fail(error);
    this.destroy(error);
  }

  /** Runs `parse` on a reply; a malformed reply rejects instead of throwing inside fivebeans. */
  #parsing<A extends unknown[], T>(settle: Settle<T>, parse: (...values: A) => T): (err: string | null, ...values: A) => void {
    return (err, ...values) => {
      if (err !== null) {
        settle.fail(err);
        return;
      }
      let value: T;
      try {
        value = parse(...values);
      } catch (error) {
        settle.fail(error instanceof BeanstalkCommandError ? error.raw : String(error));
        return;
      }
      settle.ok(value);
    };
  }

  #done(settle: Settle<undefined>): (err: string | null) => void {
    return (err) => {
      if (err === null) settle.ok(undefined);
      else settle.fail(err);
    };
  }

  /** `use`: the tube `put`, `peek-buried` and `kick` act on. */
  use(tube: string): Promise<string> {
    return this.#request("use", this.#commandTimeoutMs, (s) => {
      this.#client.use(tube, this.#parsing(s, (name: string) => name));
    });
  }

  /** `watch`: add a tube to the reserve list; resolves to the number of watched tubes. */
  watch(tube: string): Promise<number> {
    return this.#request("watch", this.#commandTimeoutMs, (s) => {
      this.#client.watch(tube, this.#parsing(s, (count: string) => toNumber("watch", count)));
    });
  }

  /** `ignore`: drop a tube from the reserve list; resolves to the number still watched. */
  ignore(tube: string): Promise<number> {
    return this.#request("ignore", this.#commandTimeoutMs, (s) => {
      this.#client.ignore(tube, this.#parsing(s, (count: string) => toNumber("ignore", count)));
    });
  }

  /** `put`: resolves to the new job's id. */
  put(priority: number, delaySeconds: number, ttrSeconds: number, body: Buffer): Promise<number> {
    return this.#request("put", this.#commandTimeoutMs, (s) => {
      this.#client.put(priority, delaySeconds, ttrSeconds, body, this.#parsing(s, (id: string) => toNumber("put", id)));
    });
  }

  #corked = false;

  /**
   * fivebeans writes every command on its own, one system call each. Commands issued in the same
   * tick (a burst of puts, the acks of jobs that finished together, a batch of reserves) are
   * gathered into one write instead.
   */
  #corkForThisTick(): void {
    const stream = this.#client.stream;
    if (this.#corked || !stream) return;
    this.#corked = true;
    stream.cork();
    process.nextTick(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  /**
   * `reserve-with-timeout`: a job, or `null` on `TIMED_OUT`. Blocks the connection for up to
   * `seconds` (head-of-line: nothing sent after it is answered before it).
   */
  async reserveWithTimeout(seconds: number): Promise<RawJob | null> {
    try {
      return await this.#request("reserve-with-timeout", seconds * 1000 + this.#commandTimeoutMs, (s) => {
        this.#client.reserve_with_timeout(
          seconds,
          this.#parsing(s, (id: string, body: Buffer) => ({ id: toNumber("reserve", id), body })),
        );
      });
    } catch (err) {
      if (err instanceof BeanstalkCommandError && err.reply === "TIMED_OUT") return null;
      throw err;
    }
  }

  /** `delete`. */
  delete(id: number): Promise<undefined> {
    return this.#request("delete", this.#commandTimeoutMs, (s) => {
      this.#client.destroy(id, this.#done(s));
    });
  }

  /** `release` a job this connection reserved. */
  release(id: number, priority: number, delaySeconds: number): Promise<undefined> {
    return this.#request("release", this.#commandTimeoutMs, (s) => {
      this.#client.release(id, priority, delaySeconds, this.#done(s));
    });
  }

  /** `bury` a job this connection reserved. */
  bury(id: number, priority: number): Promise<undefined> {
    return this.#request("bury", this.#commandTimeoutMs, (s) => {
      this.#client.bury(id, priority, this.#done(s));
    });
  }

  /** `touch`: restart the TTR of a job this connection reserved. */
  touch(id: number): Promise<undefined> {
    return this.#request("touch", this.#commandTimeoutMs, (s) => {
      this.#client.touch(id, this.#done(s));
    });
  }

  /** `kick-job`: a buried or delayed job becomes ready. */
  kickJob(id: number): Promise<undefined> {
    return this.#request("kick-job", this.#commandTimeoutMs, (s) => {
      this.#client.kick_job(id, this.#done(s));
    });
  }

  /** `peek <id>`: the job in any state and any tube. */
  peek(id: number): Promise<RawJob> {
    return this.#request("peek", this.#commandTimeoutMs, (s) => {
      this.#client.peek(id, this.#parsing(s, (found: string, body: Buffer) => ({ id: toNumber("peek", found), body })));
    });
  }

  /** `peek-buried`: the oldest buried job of the used tube. */
  peekBuried(): Promise<RawJob> {
    return this.#request("peek-buried", this.#commandTimeoutMs, (s) => {
      this.#client.peek_buried(this.#parsing(s, (found: string, body: Buffer) => ({ id: toNumber("peek-buried", found), body })));
    });
  }

  /** `stats-job`. */
  statsJob(id: number): Promise<JobStats> {
    return this.#request("stats-job", this.#commandTimeoutMs, (s) => {
      this.#client.stats_job(id, this.#parsing(s, parseJobStats));
    });
  }

  /** `stats-tube`. */
  statsTube(tube: string): Promise<TubeStats> {
    return this.#request("stats-tube", this.#commandTimeoutMs, (s) => {
      this.#client.stats_tube(tube, this.#parsing(s, parseTubeStats));
    });
  }

  /** `stats` (server-wide). */
  stats(): Promise<ServerStats> {
    return this.#request("stats", this.#commandTimeoutMs, (s) => {
      this.#client.stats(this.#parsing(s, parseServerStats));
    });
  }
}
