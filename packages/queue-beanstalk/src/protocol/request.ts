import { systemTime } from "@x/core";
import { BeanstalkCommandError } from "../errors.js";
import type { JobStats } from "./stats.js";

/** Turns the values fivebeans hands to a callback into the command's result. May throw. */
export type ParseReply<T> = (first: unknown, second: unknown) => T;

/**
 * One command waiting for its reply. The session hands the reply to {@link reply} directly; how
 * the outcome reaches the caller is the subclass's: a promise ({@link Request}) or a batch's
 * list of results ({@link BatchedRequest}).
 */
export abstract class Command<T> {
  readonly command: string;
  /** When the reply is overdue (`systemTime.now()` ms); restarted when a command that waited its turn is sent. */
  deadline: number;
  readonly timeoutMs: number;
  done = false;
  /** The reply word that means success (`INSERTED`, `RESERVED`, ...), set when the command is written. */
  expected = "";
  readonly #parse: ParseReply<T>;
  /** Reply words that mean "nothing" for this command (`TIMED_OUT` for a reserve): resolve with `null`. */
  readonly #nullOn: ReadonlySet<string> | undefined;
  readonly #onReply: () => void;

  constructor(command: string, timeoutMs: number, parse: ParseReply<T>, nullOn: ReadonlySet<string> | undefined, onReply: () => void) {
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.deadline = systemTime.now() + timeoutMs;
    this.#parse = parse;
    this.#nullOn = nullOn;
    this.#onReply = onReply;
  }

  protected abstract resolve(value: T): void;
  protected abstract reject(error: Error): void;

  /** The reply, as fivebeans hands it to a callback: `(null, ...values)` on the expected word, the bare word otherwise. */
  reply(err: string | null, first?: unknown, second?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#onReply();
    this.settleWith(err, first, second);
  }

  /** Resolves or rejects from a reply, once {@link done} is set. */
  protected settleWith(err: string | null, first: unknown, second: unknown): void {
    if (err !== null) {
      // Not an Error: an empty tube is the common answer to a non-blocking reserve.
      if (this.#nullOn?.has(err) === true) this.resolve(null as T);
      else this.reject(new BeanstalkCommandError(this.command, err));
      return;
    }
    let value: T;
    try {
      value = this.#parse(first, second);
    } catch (error) {
      this.reject(error instanceof Error ? error : new BeanstalkCommandError(this.command, String(error)));
      return;
    }
    this.resolve(value);
  }

  /** Rejects without a reply (socket closed, reply overdue). */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.reject(error);
  }

  /** Marks the command answered (the session's bookkeeping) without settling it yet. */
  protected answered(): void {
    this.done = true;
    this.#onReply();
  }
}

/** A command whose outcome is a promise: this object and its promise per command. */
export class Request<T> extends Command<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;

  constructor(command: string, timeoutMs: number, parse: ParseReply<T>, nullOn: ReadonlySet<string> | undefined, onReply: () => void) {
    super(command, timeoutMs, parse, nullOn, onReply);
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  protected resolve(value: T): void {
    this.#resolve(value);
  }

  protected reject(error: Error): void {
    this.#reject(error);
  }
}

/** Where the commands of a batch report: each by its index, a value or an error. */
export interface BatchResults<T> {
  settle(index: number, outcome: T | Error): void;
}

/**
 * A command of a batch (the puts of `enqueueMany`): it reports to the batch, which resolves one
 * promise for all of them, so a batch of thousands makes no promise per command.
 */
export class BatchedRequest<T> extends Command<T> {
  readonly #batch: BatchResults<T>;
  readonly #index: number;

  constructor(command: string, timeoutMs: number, parse: ParseReply<T>, onReply: () => void, batch: BatchResults<T>, index: number) {
    super(command, timeoutMs, parse, undefined, onReply);
    this.#batch = batch;
    this.#index = index;
  }

  protected resolve(value: T): void {
    this.#batch.settle(this.#index, value);
  }

  protected reject(error: Error): void {
    this.#batch.settle(this.#index, error);
  }
}

const noParse: ParseReply<never> = () => {
  throw new Error("not reached: ReserveWithStats reads its replies itself");
};

/** A reserved job with its `stats-job`; `stats` is `undefined` when the job was gone by then (`NOT_FOUND`). */
export interface ReservedJob {
  readonly id: number;
  readonly body: Buffer;
  readonly stats: JobStats | undefined;
}

/**
 * `reserve-with-timeout` and then `stats-job` of the job it got, as one command: the session
 * writes the `stats-job` as soon as it reads the `RESERVED` reply (in the same write as the other
 * commands of that tick), and the command resolves once, with both. One object and one promise
 * per job instead of two, and no turn through the caller between the two replies. The deadline is
 * the reserve's: both replies must come within it.
 */
export class ReserveWithStats extends Request<ReservedJob | null> {
  /** The job the reserve got, once it has (the `stats-job` is then in flight). */
  jobId = 0;
  body: Buffer | undefined;
  readonly #readId: (id: unknown) => number;
  readonly #readStats: (body: unknown) => JobStats;
  readonly #askStats: (request: ReserveWithStats) => void;

  constructor(
    timeoutMs: number,
    nullOn: ReadonlySet<string>,
    onReply: () => void,
    readers: { readonly id: (id: unknown) => number; readonly stats: (body: unknown) => JobStats },
    askStats: (request: ReserveWithStats) => void,
  ) {
    super("reserve-with-timeout", timeoutMs, noParse, nullOn, onReply);
    this.#readId = readers.id;
    this.#readStats = readers.stats;
    this.#askStats = askStats;
  }

  override reply(err: string | null, first?: unknown, second?: unknown): void {
    if (this.done) return;
    if (this.body === undefined) {
      if (err !== null) {
        super.reply(err);
        return;
      }
      if (!Buffer.isBuffer(second)) {
        this.answered();
        this.reject(new BeanstalkCommandError("reserve-with-timeout", "reply without a job body"));
        return;
      }
      let id: number;
      try {
        id = this.#readId(first);
      } catch (error) {
        this.answered();
        this.reject(error instanceof Error ? error : new BeanstalkCommandError("reserve-with-timeout", String(error)));
        return;
      }
      this.jobId = id;
      this.body = second;
      this.#askStats(this);
      return;
    }
    this.answered();
    const body = this.body;
    if (err !== null) {
      // The job is gone already (deleted by its id, or its TTR ran out and another took it).
      if (err === "NOT_FOUND") this.resolve({ id: this.jobId, body, stats: undefined });
      else this.reject(new BeanstalkCommandError("stats-job", err));
      return;
    }
    let stats: JobStats;
    try {
      stats = this.#readStats(first);
    } catch (error) {
      this.reject(error instanceof Error ? error : new BeanstalkCommandError("stats-job", String(error)));
      return;
    }
    this.resolve({ id: this.jobId, body, stats });
  }
}
