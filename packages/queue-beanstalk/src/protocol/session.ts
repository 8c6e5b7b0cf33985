import { systemTime } from "@x/core";
import { ConnectionError, TimeoutError } from "@x/message";
import { BeanstalkCommandError } from "../errors.js";
import { FiveBeansClient } from "./fivebeans.js";
import { FastReply, readReply, readReplyFast } from "./reply-reader.js";
import {
  BatchedRequest,
  type BatchResults,
  type Command,
  type ParseReply,
  Request,
  type ReservedJob,
  ReserveWithStats,
} from "./request.js";
import { type JobStats, parseJobStats, parseServerStats, parseTubeStats, type ServerStats, type TubeStats } from "./stats.js";

/** A job as `reserve` or `peek` hands it over. */
export interface RawJob {
  readonly id: number;
  readonly body: Buffer;
}

/** An id or count as the reply gave it: text from the general reader, a number from the fast one. */
function toNumber(command: string, text: unknown): number {
  const value = typeof text === "number" ? text : typeof text === "string" ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw new BeanstalkCommandError(command, `non-numeric reply ${String(text)}`);
  return value;
}

// Reply readers, shared by every request (no closure per command).
const readName: ParseReply<string> = (name) => String(name);
const readWatchCount: ParseReply<number> = (count) => toNumber("watch", count);
const readId: ParseReply<number> = (id) => toNumber("put", id);
const readNothing: ParseReply<undefined> = () => undefined;
const readJob: ParseReply<RawJob> = (id, body) => {
  if (!Buffer.isBuffer(body)) throw new BeanstalkCommandError("reserve", "reply without a job body");
  return { id: toNumber("reserve", id), body };
};
const readBody =
  <T>(parse: (body: Buffer) => T): ParseReply<T> =>
  (body) => {
    if (!Buffer.isBuffer(body)) throw new BeanstalkCommandError("stats", "reply without a body");
    return parse(body);
  };
const readJobStats = readBody(parseJobStats);
const readTubeStats = readBody(parseTubeStats);
const readServerStats = readBody(parseServerStats);
const RESERVE_READERS = { id: (id: unknown) => toNumber("reserve", id), stats: (body: unknown) => readJobStats(body, undefined) } as const;

/**
 * Puts on the wire at once; more wait here until replies come. fivebeans keeps the reply parsers
 * of a socket's commands in an array and `shift()`s one per reply, which costs a copy of the whole
 * array once it is long, so a burst of thousands of puts would spend most of the client's CPU there.
 */
export const PUT_WINDOW = 512;

/** A job to put: the body is bytes, or text written as UTF-8, and `bytes` its length on the wire. */
export interface PutSpec {
  readonly priority: number;
  readonly delaySeconds: number;
  readonly ttrSeconds: number;
  readonly body: Buffer | string;
  readonly bytes: number;
}

interface QueuedPut {
  readonly request: Command<number>;
  readonly spec: PutSpec;
}

/** The reply word each command expects (read by {@link readReply}). */
/** What a `stats*` command expects: its body is handed over as bytes, for `stats.ts` to read. */
const OK_REPLY = "OK";
const USING = "USING";
const WATCHING = "WATCHING";
const INSERTED = "INSERTED";
const RESERVED = "RESERVED";
const DELETED = "DELETED";
const RELEASED = "RELEASED";
const BURIED = "BURIED";
const TOUCHED = "TOUCHED";
const KICKED = "KICKED";
const FOUND = "FOUND";
const PAUSED = "PAUSED";

/** `reserve-with-timeout` answers with these when there is no job (`DEADLINE_SOON`: see {@link Session.reserveWithTimeout}). */
const NO_JOB: ReadonlySet<string> = new Set(["TIMED_OUT"]);
const NO_JOB_NOW: ReadonlySet<string> = new Set(["TIMED_OUT", "DEADLINE_SOON"]);

/**
 * One socket to beanstalkd: fivebeans' client behind promises. fivebeans opens the socket and
 * gathers the bytes received; this class writes the commands and reads the replies itself. What
 * it fixes in fivebeans: error replies become {@link BeanstalkCommandError}s, ids and counts
 * become numbers, an `error` listener is always attached (without one a refused connection
 * crashes the process), every pending command is rejected with `ConnectionError` the moment the
 * socket closes (fivebeans never calls those callbacks), commands time out, stats replies are read
 * without js-yaml, and the commands of one tick go out in one write. Commands are pipelined:
 * replies are matched to the commands written, in order.
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
  #pending: Command<unknown>[] = [];
  #head = 0;
  #pendingCount = 0;
  /**
   * Commands written to the socket, oldest first: the replies come in this order. Not
   * {@link #pending}, where puts held back by the window wait too. From `#writtenHead` on.
   */
  #written: Command<unknown>[] = [];
  #writtenHead = 0;
  /** Puts beyond {@link PUT_WINDOW}, oldest first, from `#queuedHead` on. */
  #queuedPuts: QueuedPut[] = [];
  #queuedHead = 0;
  /**
   * One timer for the whole pipeline: only the oldest command can be overdue. It is not cleared
   * when the pipeline empties (a socket that sends a batch per tick would set and clear one per
   * batch); it fires for nothing then. Unref'd: a command in flight keeps the process alive
   * through its socket anyway.
   */
  #watchdog: NodeJS.Timeout | undefined;
  readonly #onWatchdog = (): void => {
    this.#watchdog = undefined;
    this.#checkOverdue();
  };
  #drainWaiters: (() => void)[] = [];
  #state: "connecting" | "open" | "closed" = "connecting";
  #ended = false;
  #corked = false;
  /** Command text of this tick not yet handed to the socket: written as one string when the tick ends. */
  #outgoing = "";
  #lastError: Error | undefined;
  #resolveClosed!: (reason: Error) => void;
  /** What {@link readReplyFast} read last (one object, reused). */
  readonly #fast = new FastReply();
  /** A reserve of {@link reserveWithStats} got its job: ask for the job's stats at once. */
  readonly #askStats = (request: ReserveWithStats): void => {
    if (this.#state !== "open" || !this.#client.stream) {
      request.fail(new ConnectionError(`connection to beanstalkd at ${this.address} is closed`, { cause: this.#lastError }));
      return;
    }
    request.expected = OK_REPLY;
    this.#written.push(request);
    this.#outgoing += `stats-job ${String(request.jobId)}\r\n`;
    this.#corkForThisTick();
  };
  /** Every request's reply hook; one function for the session, not one per command. */
  readonly #onReply = (): void => {
    this.#settled();
  };
  /**
   * Uncorks on the next tick, but only once the promise reactions already queued have run: the
   * commands that replies set off (the `stats-job` of a reserve, read in the data handler, and the
   * acks and reserves of the jobs those replies finished) share the write.
   */
  readonly #uncorkAfterReactions = (): void => {
    process.nextTick(this.#uncork);
  };
  readonly #uncork = (): void => {
    this.#corked = false;
    const stream = this.#client.stream;
    if (!stream) return;
    this.#flushOutgoing(stream);
    stream.uncork();
  };

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
    this.#client.tryHandlingResponse = () => {
      this.#readReplies();
    };
  }

  /**
   * Hands every complete reply in the client's buffer to its command ({@link Request.reply}),
   * oldest first, as fivebeans would hand it to a callback (`(null, ...values)` on the expected
   * word, the bare word otherwise), but read by {@link readReply}, which never throws. Bytes that are not a reply to the oldest command
   * (or arrive when no command waits) drop the socket: nothing after them can be matched to a
   * command any more.
   */
  #readReplies(): void {
    const client = this.#client;
    const buffer = client.buffer;
    if (buffer === undefined) return;
    let offset = 0;
    while (offset < buffer.length && this.#state !== "closed") {
      const request = this.#written[this.#writtenHead];
      if (request === undefined) {
        this.#malformed(`${String(buffer.length - offset)} bytes arrived with no command waiting for them`, undefined);
        return;
      }
      const fast = this.#fast;
      if (readReplyFast(buffer, offset, request.expected, fast)) {
        this.#writtenHead++;
        offset = fast.end;
        request.reply(null, fast.first, fast.second);
        continue;
      }
      const read = readReply(buffer, offset, request.expected);
      if (read.kind === "incomplete") break;
      this.#writtenHead++;
      if (read.kind === "malformed") {
        this.#malformed(read.reason, request);
        return;
      }
      offset = read.end;
      if (read.success) request.reply(null, read.values[0], read.values[1]);
      else request.reply(read.values[0] as string);
    }
    this.#compactWritten();
    client.buffer = offset >= buffer.length ? undefined : buffer.subarray(offset);
  }

  /** Drops answered commands from the front of {@link #written}, without an O(n) shift per reply. */
  #compactWritten(): void {
    if (this.#writtenHead === this.#written.length) {
      this.#written = [];
      this.#writtenHead = 0;
    } else if (this.#writtenHead > 1024 && this.#writtenHead * 2 > this.#written.length) {
      this.#written = this.#written.slice(this.#writtenHead);
      this.#writtenHead = 0;
    }
  }

  /** The server sent something that is not a reply: fail the command it was for and drop the socket. */
  #malformed(reason: string, request: Command<unknown> | undefined): void {
    const client = this.#client;
    this.#written = [];
    this.#writtenHead = 0;
    client.buffer = undefined;
    request?.reply(`malformed reply: ${reason}`);
    this.destroy(new ConnectionError(`beanstalkd at ${this.address} sent a malformed reply (${reason}); the connection is dropped`));
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
        // Nagle's algorithm would hold a write back until the previous one is acknowledged, which
        // on a pipelined socket means until its reply: a round trip per write. The commands of a
        // tick are already gathered into one write here (see #corkForThisTick).
        client.stream?.setNoDelay(true);
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
    this.#queuedPuts = [];
    this.#queuedHead = 0;
    this.#outgoing = "";
    this.#written = [];
    this.#writtenHead = 0;
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    for (const entry of pending) entry.fail(error);
    this.#notifyDrained();
    this.#resolveClosed(cause);
  }

  #notifyDrained(): void {
    if (this.#pendingCount > 0 || this.#drainWaiters.length === 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Registers one command; the caller then writes it with {@link #send} (or {@link #writePut}),
   * and {@link #readReplies} settles it when the reply arrives. It is rejected when the socket closes or `timeoutMs`
   * passes; a timeout closes the socket, since the late reply would be matched to the next command.
   * Returns `undefined` (and nothing may be sent) when the socket is closed.
   */
  #request<T>(command: string, parse: ParseReply<T>, timeoutMs = this.#commandTimeoutMs, nullOn?: ReadonlySet<string>): Request<T> {
    return this.#register(new Request(command, timeoutMs, parse, nullOn, this.#onReply));
  }

  #register<C extends Command<unknown>>(request: C): C {
    if (this.#state !== "open") {
      request.fail(new ConnectionError(`connection to beanstalkd at ${this.address} is closed`, { cause: this.#lastError }));
      return request;
    }
    this.#pending.push(request);
    this.#pendingCount++;
    if (!this.#watchdog) this.#armWatchdog();
    this.#corkForThisTick();
    return request;
  }

  /**
   * fivebeans writes every command on its own, one system call each. Commands issued in the same
   * tick (a burst of puts, the acks of jobs that finished together, a batch of reserves and their
   * `stats-job`s) are gathered into one write instead.
   */
  #corkForThisTick(): void {
    if (this.#corked) return;
    const stream = this.#client.stream;
    if (!stream) return;
    this.#corked = true;
    stream.cork();
    queueMicrotask(this.#uncorkAfterReactions);
  }

  /** A reply came: drop settled entries from the front. */
  #settled(): void {
    this.#pendingCount--;
    if (this.#queuedHead < this.#queuedPuts.length) this.#sendQueuedPuts();
    while (this.#head < this.#pending.length && this.#pending[this.#head]?.done === true) this.#head++;
    if (this.#head === this.#pending.length) {
      this.#pending = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    this.#notifyDrained();
  }

  #armWatchdog(): void {
    const oldest = this.#pending[this.#head];
    if (!oldest) return;
    this.#watchdog = setTimeout(this.#onWatchdog, Math.max(0, oldest.deadline - systemTime.now()));
    this.#watchdog.unref();
  }

  /**
   * The reply to the oldest command is overdue: reject it with `TimeoutError` and drop the socket
   * (a late reply would be matched to the next command).
   */
  #checkOverdue(): void {
    const oldest = this.#pending[this.#head];
    if (!oldest) return;
    if (systemTime.now() < oldest.deadline) {
      this.#armWatchdog();
      return;
    }
    const error = new TimeoutError(`beanstalkd ${oldest.command}: no reply from ${this.address} within ${oldest.timeoutMs} ms`);
    oldest.fail(error);
    this.destroy(error);
  }

  /**
   * Queues a command's text for this tick's write and its reply entry in fivebeans' list (which
   * {@link readReplies} reads in order). The command lines are written here rather than by
   * fivebeans' methods, which build each one through an argument array, a reply-parser object and
   * two or three Buffers; one string per tick is also one chunk for the socket instead of one per
   * command. Every command goes this way, so the bytes on the wire stay in the order of the entries.
   */
  #send<T>(text: string, expected: string, request: Request<T>): Promise<T> {
    if (!request.done && this.#client.stream) {
      request.expected = expected;
      this.#written.push(request);
      this.#outgoing += text;
    }
    return request.promise;
  }

  /** Hands the text gathered so far to the (corked) socket, before bytes that must follow it. */
  #flushOutgoing(stream: NonNullable<FiveBeansClient["stream"]>): void {
    if (this.#outgoing.length === 0) return;
    stream.write(this.#outgoing);
    this.#outgoing = "";
  }

  /** Sends a `put`; a body given as bytes follows the text gathered before it. */
  #writePut(request: Command<number>, put: PutSpec): void {
    const stream = this.#client.stream;
    if (!stream) return;
    request.expected = INSERTED;
    this.#written.push(request);
    const line = `put ${String(put.priority)} ${String(put.delaySeconds)} ${String(put.ttrSeconds)} ${String(put.bytes)}\r\n`;
    if (typeof put.body === "string") {
      this.#outgoing += `${line}${put.body}\r\n`;
      return;
    }
    this.#outgoing += line;
    this.#flushOutgoing(stream);
    stream.write(put.body);
    this.#outgoing += "\r\n";
  }

  /** `use`: the tube `put`, `peek-buried` and `kick` act on. */
  use(tube: string): Promise<string> {
    return this.#send(`use ${tube}\r\n`, USING, this.#request("use", readName));
  }

  /** `watch`: add a tube to the reserve list; resolves to the number of watched tubes. */
  watch(tube: string): Promise<number> {
    return this.#send(`watch ${tube}\r\n`, WATCHING, this.#request("watch", readWatchCount));
  }

  /** `ignore`: drop a tube from the reserve list; resolves to the number still watched. */
  ignore(tube: string): Promise<number> {
    return this.#send(`ignore ${tube}\r\n`, WATCHING, this.#request("ignore", readWatchCount));
  }

  /**
   * `put`: resolves to the new job's id. Beyond {@link PUT_WINDOW} in flight, it waits its turn
   * here. The body is bytes, or text written as UTF-8 (`bytes` is then its UTF-8 length, when the
   * caller knows it already).
   */
  put(
    priority: number,
    delaySeconds: number,
    ttrSeconds: number,
    body: Buffer | string,
    bytes: number = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length,
  ): Promise<number> {
    const request = this.#request("put", readId);
    this.#putOrQueue(request, { priority, delaySeconds, ttrSeconds, body, bytes });
    return request.promise;
  }

  /** Writes a registered put, or queues it behind the window. */
  #putOrQueue(request: Command<number>, spec: PutSpec): void {
    if (request.done) return;
    const queued = this.#queuedPuts.length - this.#queuedHead;
    if (queued === 0 && this.#pendingCount <= PUT_WINDOW) this.#writePut(request, spec);
    else this.#queuedPuts.push({ request, spec });
  }

  /**
   * Many `put`s, as {@link put} sends them (in order, within the window), resolving once with the
   * outcome of each: the job id, or the error that put would have rejected with. One promise for
   * the batch: a batch of thousands would otherwise make a promise, and a reaction, per job.
   */
  putMany(specs: readonly PutSpec[]): Promise<(number | Error)[]> {
    const results = new Array<number | Error>(specs.length);
    if (specs.length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      let left = specs.length;
      const batch: BatchResults<number> = {
        settle: (index, outcome) => {
          results[index] = outcome;
          if (--left === 0) resolve(results);
        },
      };
      specs.forEach((spec, index) => {
        this.#putOrQueue(this.#register(new BatchedRequest("put", this.#commandTimeoutMs, readId, this.#onReply, batch, index)), spec);
      });
    });
  }

  /** Replies came: send queued puts while the window has room (in one write). */
  #sendQueuedPuts(): void {
    const queue = this.#queuedPuts;
    let inFlight = this.#pendingCount - (queue.length - this.#queuedHead);
    if (inFlight >= PUT_WINDOW || this.#state !== "open") return;
    this.#corkForThisTick();
    while (this.#queuedHead < queue.length && inFlight < PUT_WINDOW) {
      const put = queue[this.#queuedHead];
      this.#queuedHead++;
      if (!put || put.request.done) continue;
      // Its time to answer starts now, not when it was queued behind the window.
      put.request.deadline = systemTime.now() + put.request.timeoutMs;
      this.#writePut(put.request, put.spec);
      inFlight++;
    }
    if (this.#queuedHead === queue.length) {
      this.#queuedPuts = [];
      this.#queuedHead = 0;
    } else if (this.#queuedHead > 1024 && this.#queuedHead * 2 > queue.length) {
      this.#queuedPuts = queue.slice(this.#queuedHead);
      this.#queuedHead = 0;
    }
  }

  /**
   * `reserve-with-timeout`: a job, or `null` when there is none within `seconds`. Blocks the
   * connection for up to `seconds` (head-of-line: nothing sent after it is answered before it).
   * With `seconds` 0, `DEADLINE_SOON` also means "none": beanstalkd sends it instead of
   * `TIMED_OUT` when nothing is ready and a job this socket holds is within a second of its TTR.
   * With a wait, it rejects: the socket must not wait while holding a job about to time out.
   */
  reserveWithTimeout(seconds: number): Promise<RawJob | null> {
    const request = this.#request<RawJob | null>(
      "reserve-with-timeout",
      readJob,
      seconds * 1000 + this.#commandTimeoutMs,
      seconds === 0 ? NO_JOB_NOW : NO_JOB,
    );
    return this.#send(`reserve-with-timeout ${String(seconds)}\r\n`, RESERVED, request);
  }

  /**
   * {@link reserveWithTimeout}, then `stats-job` of the job it got, sent as soon as the reserve's
   * reply is read: one command and one promise for both. Resolves to `null` when there was no job
   * (as `reserveWithTimeout`), else to the job with its stats (`undefined` when the `stats-job`
   * found the job gone). The job is reserved on this socket either way.
   */
  reserveWithStats(seconds: number): Promise<ReservedJob | null> {
    const request = this.#register(
      new ReserveWithStats(
        seconds * 1000 + this.#commandTimeoutMs,
        seconds === 0 ? NO_JOB_NOW : NO_JOB,
        this.#onReply,
        RESERVE_READERS,
        this.#askStats,
      ),
    );
    return this.#send(`reserve-with-timeout ${String(seconds)}\r\n`, RESERVED, request);
  }

  /** `delete`. */
  delete(id: number): Promise<undefined> {
    return this.#send(`delete ${String(id)}\r\n`, DELETED, this.#request("delete", readNothing));
  }

  /** `release` a job this connection reserved. */
  release(id: number, priority: number, delaySeconds: number): Promise<undefined> {
    return this.#send(
      `release ${String(id)} ${String(priority)} ${String(delaySeconds)}\r\n`,
      RELEASED,
      this.#request("release", readNothing),
    );
  }

  /** `bury` a job this connection reserved. */
  bury(id: number, priority: number): Promise<undefined> {
    return this.#send(`bury ${String(id)} ${String(priority)}\r\n`, BURIED, this.#request("bury", readNothing));
  }

  /** `touch`: restart the TTR of a job this connection reserved. */
  touch(id: number): Promise<undefined> {
    return this.#send(`touch ${String(id)}\r\n`, TOUCHED, this.#request("touch", readNothing));
  }

  /** `kick-job`: a buried or delayed job becomes ready. */
  kickJob(id: number): Promise<undefined> {
    return this.#send(`kick-job ${String(id)}\r\n`, KICKED, this.#request("kick-job", readNothing));
  }

  /** `peek <id>`: the job in any state and any tube. */
  peek(id: number): Promise<RawJob> {
    return this.#send(`peek ${String(id)}\r\n`, FOUND, this.#request("peek", readJob));
  }

  /**
   * `pause-tube`: no job of `tube` is handed out for `seconds` (0 ends a pause at once). The tube
   * must exist (jobs in it, or a connection using or watching it), else `NOT_FOUND`.
   */
  pauseTube(tube: string, seconds: number): Promise<undefined> {
    return this.#send(`pause-tube ${tube} ${String(seconds)}\r\n`, PAUSED, this.#request("pause-tube", readNothing));
  }

  /** `peek-buried`: the oldest buried job of the used tube. */
  peekBuried(): Promise<RawJob> {
    return this.#send("peek-buried\r\n", FOUND, this.#request("peek-buried", readJob));
  }

  /** `stats-job`. */
  statsJob(id: number): Promise<JobStats> {
    return this.#send(`stats-job ${String(id)}\r\n`, OK_REPLY, this.#request("stats-job", readJobStats));
  }

  /** `stats-tube`. */
  statsTube(tube: string): Promise<TubeStats> {
    return this.#send(`stats-tube ${tube}\r\n`, OK_REPLY, this.#request("stats-tube", readTubeStats));
  }

  /** `stats` (server-wide). */
  stats(): Promise<ServerStats> {
    return this.#send("stats\r\n", OK_REPLY, this.#request("stats", readServerStats));
  }
}
