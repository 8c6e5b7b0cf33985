import { systemTime } from "@x/core";
import { BeanstalkCommandError } from "../errors.js";

/** Turns the values fivebeans hands to a callback into the command's result. May throw. */
export type ParseReply<T> = (first: unknown, second: unknown) => T;

/**
 * One command waiting for its reply. The session hands the reply to {@link reply} directly, so a
 * command costs this object and its promise, whatever the command.
 */
export class Request<T> {
  readonly command: string;
  /** When the reply is overdue (`systemTime.now()` ms); restarted when a command that waited its turn is sent. */
  deadline: number;
  readonly timeoutMs: number;
  readonly promise: Promise<T>;
  done = false;
  readonly #parse: ParseReply<T>;
  /** Reply words that mean "nothing" for this command (`TIMED_OUT` for a reserve): resolve with `null`. */
  readonly #nullOn: ReadonlySet<string> | undefined;
  readonly #onReply: () => void;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  /** The reply word that means success (`INSERTED`, `RESERVED`, ...), set when the command is written. */
  expected = "";

  constructor(command: string, timeoutMs: number, parse: ParseReply<T>, nullOn: ReadonlySet<string> | undefined, onReply: () => void) {
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.deadline = systemTime.now() + timeoutMs;
    this.#parse = parse;
    this.#nullOn = nullOn;
    this.#onReply = onReply;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The reply, as fivebeans hands it to a callback: `(null, ...values)` on the expected word, the bare word otherwise. */
  reply(err: string | null, first?: unknown, second?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#onReply();
    if (err !== null) {
      // Not an Error: an empty tube is the common answer to a non-blocking reserve.
      if (this.#nullOn?.has(err) === true) this.#resolve(null as T);
      else this.#reject(new BeanstalkCommandError(this.command, err));
      return;
    }
    let value: T;
    try {
      value = this.#parse(first, second);
    } catch (error) {
      this.#reject(error instanceof Error ? error : new BeanstalkCommandError(this.command, String(error)));
      return;
    }
    this.#resolve(value);
  }

  /** Rejects without a reply (socket closed, reply overdue). */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.#reject(error);
  }
}
