import { clockOption, type Clock } from "./clock.js";
import { AlreadyRunningError, GatewayError, GatewayTimeoutError, InvalidArgumentError } from "./errors.js";
import { errorText, loggerOption, type Logger } from "./logger.js";
import { sleep } from "./sleep.js";
import { startTimer } from "./timer.js";
import { assertObject, assertOptionalFunction, assertPositiveSeconds } from "./validate.js";

/** What a {@link HeartbeatService} sends: its status and how long the server should wait for the next one. */
export interface HeartbeatRequest<S extends string = string> {
  /** Our current status (`currentStatus`). */
  readonly status: S;
  /** Seconds: `interval × reportByBuffer`. The server counts the process as lost after this. */
  readonly nextReportIncrement: number;
}

/** The server's answer: its view of the status, which wins when it differs. */
export interface HeartbeatResponse<S extends string = string> {
  /** The status the server holds; adopted when it differs from ours. */
  readonly status: S;
}

/**
 * The other side of a {@link HeartbeatService}: jobmon's `log_heartbeat` route, or anything
 * that answers with a status. `signal` aborts when the request times out or `run()` stops.
 */
export interface HeartbeatGateway<S extends string = string> {
  /** Sends one heartbeat; resolves to the server's status, rejects (or throws) on failure. */
  logHeartbeat(request: HeartbeatRequest<S>, options: { readonly signal: AbortSignal }): Promise<HeartbeatResponse<S>>;
}

/** A status change that came from the server. jobmon's `StateUpdate`, with an empty object for "no change". */
export interface StateUpdate<S extends string = string> {
  /** The status the server answered, present only when it differs from ours. */
  readonly workflowRunStatus?: S;
}

/** Passed to {@link HeartbeatServiceOptions.onStatusChange}. */
export interface StatusChange<S extends string = string> {
  /** The status adopted from the server. */
  readonly status: S;
  /** Our status before it. */
  readonly previous: S;
}

/** Options of {@link HeartbeatService}. Times in seconds, as in jobmon, except `requestTimeoutMs`. */
export interface HeartbeatServiceOptions<S extends string = string> {
  /** Sends one heartbeat and resolves to the server's status. Required. */
  readonly gateway: HeartbeatGateway<S>;
  /** Seconds between heartbeats; a finite number > 0. Required. */
  readonly interval: number;
  /**
   * The server expects the next heartbeat within `interval × reportByBuffer` seconds. Must be
   * greater than 1: the part above 1 is the room a request has to arrive in time.
   */
  readonly reportByBuffer: number;
  /** The status reported until `setStatus()` or the server changes it. (Not used to infer `S`.) */
  readonly initialStatus: NoInfer<S>;
  /**
   * Milliseconds one request may take before it is abandoned and counted as failed. At most
   * `(reportByBuffer − 1) × interval` seconds, so that a heartbeat sent on schedule always
   * arrives before the server's deadline.
   * @default `(reportByBuffer − 1) × interval × 1000` (the whole room)
   */
  readonly requestTimeoutMs?: number;
  /**
   * Called once for each status adopted from the server. If it throws, the status is adopted all
   * the same and `tick()` rejects with its error (in `run()`, that error goes to `onError`).
   * @default none
   */
  readonly onStatusChange?: (change: StatusChange<S>) => void;
  /**
   * Called with each failed heartbeat of `run()`; the loop retries at the next interval. It is the
   * caller's code: if it throws, `run()` rejects with that error.
   * @default none
   */
  readonly onError?: (error: Error) => void;
  /** Debug lines (stale responses ignored, failures). @default none */
  readonly logger?: Logger;
  /** Monotonic milliseconds. @default `performance.now()` */
  readonly clock?: Clock;
}

/** Options of {@link HeartbeatService.run}. */
export interface RunOptions {
  /** Aborting ends `run()` promptly; an in-flight request is aborted too. */
  readonly signal: AbortSignal;
}

/** Options of {@link HeartbeatService.tick}. */
export interface TickOptions {
  /** Aborts the request. @default none */
  readonly signal?: AbortSignal;
}

/**
 * jobmon's workflow-run `HeartbeatService` in TypeScript: reports a status to a gateway every
 * `interval` seconds, adopts the status the server answers when it differs, and tells the
 * caller once through `onStatusChange` and `tick()`'s result.
 *
 * Beats are scheduled at `last + interval` (not polled); responses to requests sent before a
 * later status change are ignored; a failing gateway never ends `run()`.
 */
export class HeartbeatService<S extends string = string> {
  /** Seconds between heartbeats. */
  readonly interval: number;
  /** The server expects the next heartbeat within `interval × reportByBuffer` seconds. */
  readonly reportByBuffer: number;
  /** `interval × reportByBuffer`, in seconds, sent with every heartbeat. */
  readonly nextReportIncrement: number;
  /** Milliseconds one request may take. */
  readonly requestTimeoutMs: number;
  readonly #gateway: HeartbeatGateway<S>;
  readonly #clock: Clock;
  readonly #onStatusChange: ((change: StatusChange<S>) => void) | undefined;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #logger: Logger | undefined;
  #status: S;
  /** Bumped by every status change, local or adopted; a response to an older version is stale. */
  #statusVersion = 0;
  #lastHeartbeat: number;
  #lastAttempt: number;
  #running = false;

  constructor(options: HeartbeatServiceOptions<S>) {
    assertObject(options, "options");
    const { gateway, interval, reportByBuffer, initialStatus } = options;
    if (typeof (gateway as Partial<HeartbeatGateway> | undefined)?.logHeartbeat !== "function") {
      throw new InvalidArgumentError("gateway", gateway, "must have a logHeartbeat({ status, nextReportIncrement }) method");
    }
    assertPositiveSeconds(interval, "interval");
    if (typeof reportByBuffer !== "number" || !Number.isFinite(reportByBuffer) || reportByBuffer <= 1) {
      throw new InvalidArgumentError(
        "reportByBuffer",
        reportByBuffer,
        "must be a finite number > 1: with 1 or less, a heartbeat sent on schedule reaches the server after its deadline",
      );
    }
    if (!Number.isFinite(interval * reportByBuffer)) {
      throw new InvalidArgumentError("reportByBuffer", reportByBuffer, `times interval (${interval}) must be a finite number of seconds`);
    }
    assertStatus(initialStatus, "initialStatus");
    const roomMs = (reportByBuffer - 1) * interval * 1000;
    const requestTimeoutMs = options.requestTimeoutMs ?? roomMs;
    if (typeof requestTimeoutMs !== "number" || !Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0 || requestTimeoutMs > roomMs) {
      throw new InvalidArgumentError(
        "requestTimeoutMs",
        requestTimeoutMs,
        `must be > 0 and at most (reportByBuffer - 1) × interval = ${roomMs} ms, or a request could end after the server's deadline`,
      );
    }
    assertOptionalFunction(options.onStatusChange, "onStatusChange");
    assertOptionalFunction(options.onError, "onError");
    this.interval = interval;
    this.reportByBuffer = reportByBuffer;
    this.nextReportIncrement = interval * reportByBuffer;
    this.requestTimeoutMs = requestTimeoutMs;
    this.#gateway = gateway;
    this.#clock = clockOption(options.clock);
    this.#onStatusChange = options.onStatusChange;
    this.#onError = options.onError;
    this.#logger = loggerOption(options.logger);
    this.#status = initialStatus;
    // Counted from construction, as jobmon does since d0ce0453: the first heartbeat is due one
    // interval from now, not immediately.
    this.#lastHeartbeat = this.#clock();
    this.#lastAttempt = this.#lastHeartbeat;
  }

  /** The status the next heartbeat reports. */
  get currentStatus(): S {
    return this.#status;
  }

  /** Clock time (ms) of the last successful heartbeat's sending, or of construction or `resetTimer()`. */
  get lastHeartbeatTime(): number {
    return this.#lastHeartbeat;
  }

  /** Changes the status the next heartbeat reports; sends nothing. Responses to requests already in flight are then ignored. */
  setStatus(status: S): void {
    assertStatus(status, "status");
    this.#status = status;
    this.#statusVersion++;
  }

  /** Seconds since the last heartbeat (or construction, or `resetTimer()`). */
  timeSinceLastHeartbeat(): number {
    return (this.#clock() - this.#lastHeartbeat) / 1000;
  }

  /** Whether at least `interval` seconds have passed since the last heartbeat. */
  isHeartbeatDue(): boolean {
    return this.#clock() - this.#lastHeartbeat >= this.interval * 1000;
  }

  /** Counts a heartbeat logged by other means: the next one is due `interval` from now. */
  resetTimer(): void {
    this.#lastHeartbeat = this.#clock();
  }

  /**
   * Sends one heartbeat now and returns the status change it brought, if any. Rejects with a
   * {@link GatewayError} (whose `cause` is what the gateway threw) or a {@link GatewayTimeoutError};
   * a failure leaves the heartbeat due.
   */
  async tick(options: TickOptions = {}): Promise<StateUpdate<S>> {
    assertObject(options, "tick() options");
    if (options.signal !== undefined) assertSignal(options.signal);
    const version = this.#statusVersion;
    const status = this.#status;
    const sentAt = this.#clock();
    this.#lastAttempt = Math.max(this.#lastAttempt, sentAt);
    const response = await this.#request({ status, nextReportIncrement: this.nextReportIncrement }, options.signal);
    // The send time, not the answer's: the server's deadline runs from when it received the
    // request, which is never before we sent it.
    this.#lastHeartbeat = Math.max(this.#lastHeartbeat, sentAt);
    if (version !== this.#statusVersion) {
      this.#logger?.debug(`heartbeat: ignored status "${response.status}" answered to a request sent before a status change`);
      return {};
    }
    if (response.status === this.#status) return {};
    const previous = this.#status;
    this.#status = response.status;
    this.#statusVersion++;
    this.#onStatusChange?.({ status: response.status, previous });
    return { workflowRunStatus: response.status };
  }

  /**
   * Sends a heartbeat every `interval` seconds, counted from the last one, until `signal` aborts.
   * A failed heartbeat is reported through `onError` and retried one interval after the attempt.
   * Resolves when the signal aborts; rejects only with {@link AlreadyRunningError} when `run()`
   * is already running.
   */
  async run(options: RunOptions): Promise<void> {
    assertObject(options, "run() options");
    const { signal } = options;
    assertSignal(signal);
    if (this.#running) throw new AlreadyRunningError();
    this.#running = true;
    // A function, because the compiler would narrow `signal.aborted` to false inside the loop.
    const stopped = (): boolean => signal.aborted;
    try {
      while (!stopped()) {
        const due = Math.max(this.#lastHeartbeat, this.#lastAttempt) + this.interval * 1000;
        const wait = due - this.#clock();
        if (wait > 0) {
          // Woken early by a coarse timer, or the timer moved: loop and recompute.
          if (!(await sleep(Math.ceil(wait), signal))) break;
          continue;
        }
        try {
          await this.tick({ signal });
        } catch (error) {
          if (stopped()) break;
          const failure = error instanceof Error ? error : new GatewayError(errorText(error), { cause: error });
          this.#logger?.warn(`heartbeat failed: ${failure.message}`);
          this.#onError?.(failure);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #request(request: HeartbeatRequest<S>, outer: AbortSignal | undefined): Promise<HeartbeatResponse<S>> {
    const controller = new AbortController();
    return new Promise<HeartbeatResponse<S>>((resolve, reject) => {
      const finish = (): void => {
        cancelTimer();
        outer?.removeEventListener("abort", onAbort);
      };
      const onAbort = (): void => {
        finish();
        controller.abort(outer?.reason);
        reject(new GatewayError("heartbeat request aborted", { cause: outer?.reason }));
      };
      // A global timer rather than AbortSignal.timeout, so that fake clocks drive it too.
      const cancelTimer = startTimer(() => {
        finish();
        const error = new GatewayTimeoutError(this.requestTimeoutMs);
        controller.abort(error);
        reject(error);
      }, this.requestTimeoutMs);
      if (outer?.aborted === true) {
        onAbort();
        return;
      }
      outer?.addEventListener("abort", onAbort, { once: true });
      let pending: Promise<HeartbeatResponse<S>>;
      try {
        pending = Promise.resolve(this.#gateway.logHeartbeat(request, { signal: controller.signal }));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (response) => {
          finish();
          // Read once, and guarded: a getter may throw or answer differently the next time, and
          // a throw here would leave the request unsettled for good.
          let status: unknown;
          try {
            status = (response as Partial<HeartbeatResponse> | undefined)?.status;
          } catch (error) {
            reject(new GatewayError("gateway answered with an unreadable status", { cause: error }));
            return;
          }
          if (typeof status !== "string") reject(new GatewayError("gateway answered without a string status"));
          else resolve({ status: status as S });
        },
        (error: unknown) => {
          finish();
          reject(new GatewayError(`heartbeat request failed: ${errorText(error)}`, { cause: error }));
        },
      );
    });
  }
}

function assertSignal(value: unknown): asserts value is AbortSignal {
  if (!(value instanceof AbortSignal)) throw new InvalidArgumentError("signal", value, "must be an AbortSignal");
}

function assertStatus(value: unknown, argument: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new InvalidArgumentError(argument, value, "must be a non-empty string");
}
