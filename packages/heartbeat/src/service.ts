import {
  describeValue,
  durationMsOption,
  Emitter,
  InvalidOptionError,
  type Listener,
  type Logger,
  loggerOption,
  type Observable,
  sleep,
  type TimeSource,
  timeSourceOption,
  type Unsubscribe,
} from "@x/core";
import { AlreadyRunningError, GatewayError, GatewayTimeoutError, HeartbeatFailedError } from "./errors.js";
import {
  checkListener,
  checkOptions,
  DEFAULT_FAILURE_BACKOFF_MS,
  DEFAULT_MAX_CONSECUTIVE_FAILURES,
  positiveDurationMs,
  signalOption,
} from "./options.js";
import { startTimer } from "./timer.js";

const SERVICE_OPTIONS = [
  "gateway",
  "intervalMs",
  "reportByBuffer",
  "initialStatus",
  "requestTimeoutMs",
  "maxConsecutiveFailures",
  "failureBackoffMs",
  "logger",
  "time",
];
const SERVICE_EVENTS: readonly (keyof HeartbeatServiceEvents)[] = ["status", "failure"];

/**
 * What a {@link HeartbeatService} sends: its status and how long the server should wait for the
 * next one. This is jobmon's request as its server reads it, so the increment is in seconds.
 */
export interface HeartbeatRequest<S extends string = string> {
  /** Our current status (`currentStatus`). */
  readonly status: S;
  /** Seconds (jobmon's unit on the wire): `intervalMs × reportByBuffer / 1000`. The server counts the process as lost after this. */
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

/** The `status` event of a {@link HeartbeatService}. */
export interface StatusChange<S extends string = string> {
  /** The status adopted from the server. */
  readonly status: S;
  /** Our status before it. */
  readonly previous: S;
}

/** Events of a {@link HeartbeatService}, by name: `service.on("status", listener)`. */
export interface HeartbeatServiceEvents<S extends string = string> {
  /** A status adopted from the server, once per change (also in `tick()`'s result). */
  status: StatusChange<S>;
  /** A heartbeat of `run()` failed (a `GatewayError` or a subclass); it is retried after the failure backoff. */
  failure: Error;
}

/** Options of {@link createHeartbeatService}. */
export interface HeartbeatServiceOptions<S extends string = string> {
  /** Sends one heartbeat and resolves to the server's status. Required. */
  readonly gateway: HeartbeatGateway<S>;
  /** Milliseconds between heartbeats; a finite number > 0. Required. */
  readonly intervalMs: number;
  /**
   * The server expects the next heartbeat within `intervalMs × reportByBuffer`. A multiplier,
   * at least 1: the part above 1 is the room a request has to arrive in time. With exactly 1
   * (accepted, as jobmon does) there is no room: the server's deadline falls when the next
   * heartbeat is sent, so it arrives late by its own latency.
   */
  readonly reportByBuffer: number;
  /** The status reported until `setStatus()` or the server changes it. (Not used to infer `S`.) */
  readonly initialStatus: NoInfer<S>;
  /**
   * Milliseconds one request may take before it is abandoned and counted as failed. At most
   * `(reportByBuffer − 1) × intervalMs`, so that a heartbeat sent on schedule always arrives
   * before the server's deadline; with `reportByBuffer` 1 (no room), at most `intervalMs`.
   * @default `(reportByBuffer − 1) × intervalMs` (the whole room), or `intervalMs` when that is 0
   */
  readonly requestTimeoutMs?: number;
  /**
   * `run()` rejects with {@link HeartbeatFailedError} after this many heartbeats failed in a row
   * (jobmon's orchestrator stops after 5); an integer >= 1, or `Infinity` to never give up.
   * @default 5
   */
  readonly maxConsecutiveFailures?: number;
  /**
   * Milliseconds `run()` waits after a failed heartbeat before the next attempt, doubled after each
   * further failure in a row and never more than `intervalMs`; a finite number > 0.
   * @default 1000 (jobmon's first HTTP retry wait), so 1, 2, 4, 8 s... up to `intervalMs`
   */
  readonly failureBackoffMs?: number;
  /**
   * Failed heartbeats (`warn`), stale answers ignored (`debug`) and listeners that threw
   * (`error`), as structured fields. @default none: nothing is written
   */
  readonly logger?: Logger;
  /** Schedules heartbeats and times requests out on this source. @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
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
 * `intervalMs`, adopts the status the server answers when it differs, and tells the caller once
 * through `on("status")` and `tick()`'s result. Made by {@link createHeartbeatService}.
 *
 * Beats are scheduled at `last + intervalMs` (not polled); responses to requests sent before a
 * later status change are ignored; failed heartbeats back off, and `run()` gives up after
 * `maxConsecutiveFailures` in a row, as jobmon's orchestrator does.
 */
export class HeartbeatService<S extends string = string> implements Observable<HeartbeatServiceEvents<S>> {
  /** Milliseconds between heartbeats. */
  readonly intervalMs: number;
  /** The server expects the next heartbeat within `intervalMs × reportByBuffer`. */
  readonly reportByBuffer: number;
  /** `intervalMs × reportByBuffer` in seconds (jobmon's unit on the wire), sent with every heartbeat. */
  readonly nextReportIncrement: number;
  /** Milliseconds one request may take. */
  readonly requestTimeoutMs: number;
  /** Failed heartbeats in a row after which `run()` gives up. */
  readonly maxConsecutiveFailures: number;
  /** The first wait after a failed heartbeat of `run()`, doubled per further failure, at most `intervalMs`. */
  readonly failureBackoffMs: number;
  readonly #gateway: HeartbeatGateway<S>;
  readonly #time: TimeSource;
  readonly #events: Emitter<HeartbeatServiceEvents<S>>;
  readonly #logger: Logger;
  #status: S;
  /** Bumped by every status change, local or adopted; a response to an older version is stale. */
  #statusVersion = 0;
  #lastHeartbeat: number;
  #lastAttempt: number;
  #running = false;
  /** Failed heartbeats since the last successful one. */
  #consecutiveFailures = 0;

  /** Use {@link createHeartbeatService}. */
  constructor(options: HeartbeatServiceOptions<S>) {
    checkOptions(options, SERVICE_OPTIONS, "createHeartbeatService", true);
    const { gateway, reportByBuffer, initialStatus } = options;
    if (typeof (gateway as Partial<HeartbeatGateway> | undefined)?.logHeartbeat !== "function") {
      throw new InvalidOptionError("gateway", gateway, "must have a logHeartbeat({ status, nextReportIncrement }) method");
    }
    const intervalMs = positiveDurationMs("intervalMs", options.intervalMs);
    if (typeof reportByBuffer !== "number" || !Number.isFinite(reportByBuffer) || reportByBuffer < 1) {
      throw new InvalidOptionError(
        "reportByBuffer",
        reportByBuffer,
        "must be a finite number >= 1: below 1, the server's deadline passes before the next heartbeat is even sent",
      );
    }
    if (!Number.isFinite(intervalMs * reportByBuffer)) {
      throw new InvalidOptionError(
        "reportByBuffer",
        reportByBuffer,
        `times intervalMs (${intervalMs}) must be a finite number of milliseconds`,
      );
    }
    assertStatus(initialStatus, "initialStatus");
    const roomMs = (reportByBuffer - 1) * intervalMs;
    // With no room at all (buffer 1) no timeout can keep the deadline; one interval at least
    // keeps requests from piling up.
    const maxTimeoutMs = roomMs > 0 ? roomMs : intervalMs;
    const requestTimeoutMs = options.requestTimeoutMs ?? maxTimeoutMs;
    if (
      typeof requestTimeoutMs !== "number" ||
      !Number.isFinite(requestTimeoutMs) ||
      requestTimeoutMs <= 0 ||
      requestTimeoutMs > maxTimeoutMs
    ) {
      throw new InvalidOptionError(
        "requestTimeoutMs",
        requestTimeoutMs,
        roomMs > 0
          ? `must be > 0 and at most (reportByBuffer - 1) × intervalMs = ${roomMs} ms, or a request could end after the server's deadline`
          : `must be > 0 and at most intervalMs = ${intervalMs} ms`,
      );
    }
    const maxConsecutiveFailures = options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
    if (
      maxConsecutiveFailures !== Number.POSITIVE_INFINITY &&
      (typeof maxConsecutiveFailures !== "number" || !Number.isInteger(maxConsecutiveFailures) || maxConsecutiveFailures < 1)
    ) {
      throw new InvalidOptionError("maxConsecutiveFailures", maxConsecutiveFailures, "must be an integer >= 1, or Infinity");
    }
    const failureBackoffMs = durationMsOption("failureBackoffMs", options.failureBackoffMs, DEFAULT_FAILURE_BACKOFF_MS);
    if (failureBackoffMs <= 0)
      throw new InvalidOptionError("failureBackoffMs", failureBackoffMs, "must be a finite number of milliseconds > 0");
    this.intervalMs = intervalMs;
    this.reportByBuffer = reportByBuffer;
    this.nextReportIncrement = (intervalMs * reportByBuffer) / 1000;
    this.requestTimeoutMs = requestTimeoutMs;
    this.maxConsecutiveFailures = maxConsecutiveFailures;
    this.failureBackoffMs = failureBackoffMs;
    this.#gateway = gateway;
    this.#time = timeSourceOption(options.time);
    this.#logger = loggerOption(options.logger);
    this.#events = new Emitter<HeartbeatServiceEvents<S>>({ logger: this.#logger });
    this.#status = initialStatus;
    // Counted from construction, as jobmon does: the first heartbeat is due one interval from
    // now, not immediately.
    this.#lastHeartbeat = this.#time.now();
    this.#lastAttempt = this.#lastHeartbeat;
  }

  /**
   * Adds a listener of `status` (a status adopted from the server) or `failure` (a failed
   * heartbeat of `run()`); returns a function that removes it. A listener that throws is
   * reported to the `logger` and never stops the service.
   */
  on<E extends keyof HeartbeatServiceEvents<S>>(event: E, listener: Listener<HeartbeatServiceEvents<S>[E]>): Unsubscribe {
    checkListener(event, listener, SERVICE_EVENTS);
    return this.#events.on(event, listener);
  }

  /** The status the next heartbeat reports. */
  get currentStatus(): S {
    return this.#status;
  }

  /** `time.now()` milliseconds of the last successful heartbeat's sending, or of construction or `resetTimer()`. */
  get lastHeartbeatTime(): number {
    return this.#lastHeartbeat;
  }

  /** Changes the status the next heartbeat reports; sends nothing. Responses to requests already in flight are then ignored. */
  setStatus(status: S): void {
    assertStatus(status, "status");
    this.#status = status;
    this.#statusVersion++;
  }

  /** Milliseconds since the last heartbeat (or construction, or `resetTimer()`). */
  timeSinceLastHeartbeatMs(): number {
    return this.#time.now() - this.#lastHeartbeat;
  }

  /** Whether at least `intervalMs` have passed since the last heartbeat. */
  isHeartbeatDue(): boolean {
    return this.#time.now() - this.#lastHeartbeat >= this.intervalMs;
  }

  /** Counts a heartbeat logged by other means: the next one is due `intervalMs` from now. */
  resetTimer(): void {
    this.#lastHeartbeat = this.#time.now();
  }

  /**
   * Sends one heartbeat now and returns the status change it brought, if any. Rejects with a
   * {@link GatewayError} (whose `cause` is what the gateway threw) or a {@link GatewayTimeoutError};
   * a failure leaves the heartbeat due.
   */
  async tick(options: TickOptions = {}): Promise<StateUpdate<S>> {
    checkOptions(options, ["signal"], "tick", false);
    const signal = signalOption(options.signal, false);
    const version = this.#statusVersion;
    const status = this.#status;
    const sentAt = this.#time.now();
    this.#lastAttempt = Math.max(this.#lastAttempt, sentAt);
    const response = await this.#request({ status, nextReportIncrement: this.nextReportIncrement }, signal);
    // The send time, not the answer's: the server's deadline runs from when it received the
    // request, which is never before we sent it.
    this.#lastHeartbeat = Math.max(this.#lastHeartbeat, sentAt);
    this.#consecutiveFailures = 0;
    if (version !== this.#statusVersion) {
      this.#logger.debug({ status: response.status, current: this.#status }, "stale heartbeat answer ignored");
      return {};
    }
    if (response.status === this.#status) return {};
    const previous = this.#status;
    this.#status = response.status;
    this.#statusVersion++;
    this.#events.emit("status", { status: response.status, previous });
    return { workflowRunStatus: response.status };
  }

  /**
   * Sends a heartbeat every `intervalMs`, counted from the last one, until `signal` aborts. A
   * failed heartbeat is reported through `on("failure")` and the logger, and retried after
   * `failureBackoffMs`, doubled per further failure in a row up to `intervalMs`. Resolves when
   * the signal aborts; rejects with {@link HeartbeatFailedError} (the last failure as `cause`)
   * after `maxConsecutiveFailures` failures in a row, or with {@link AlreadyRunningError} when
   * `run()` is already running.
   */
  async run(options: RunOptions): Promise<void> {
    checkOptions(options, ["signal"], "run", true);
    const signal = signalOption(options.signal, true);
    if (this.#running) throw new AlreadyRunningError();
    this.#running = true;
    // A function, because the compiler would narrow `signal.aborted` to false inside the loop.
    const stopped = (): boolean => signal.aborted;
    try {
      let retryAt: number | undefined;
      while (!stopped()) {
        // A success in between (a tick() of the caller's) ends the backoff: back on the interval.
        const due =
          retryAt !== undefined && this.#consecutiveFailures > 0
            ? retryAt
            : Math.max(this.#lastHeartbeat, this.#lastAttempt) + this.intervalMs;
        const wait = due - this.#time.now();
        if (wait > 0) {
          // sleep() rejects only when the signal aborts, which the loop's condition sees. After a
          // full wait, loop and recompute: a tick() or resetTimer() may have moved the due time.
          await sleep(Math.ceil(wait), signal, this.#time).catch(() => undefined);
          continue;
        }
        try {
          await this.tick({ signal });
          retryAt = undefined;
        } catch (error) {
          if (stopped()) break;
          const failure = error instanceof Error ? error : new GatewayError(describeValue(error), { cause: error });
          const failures = ++this.#consecutiveFailures;
          this.#logger.warn({ status: this.#status, failures, error: failure }, "heartbeat failed");
          this.#events.emit("failure", failure);
          if (failures >= this.maxConsecutiveFailures) {
            this.#logger.error({ status: this.#status, failures, error: failure }, "heartbeat given up");
            throw new HeartbeatFailedError(failures, { cause: failure });
          }
          retryAt = this.#time.now() + this.#backoffMs(failures);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The wait after the `failures`-th failure in a row: `failureBackoffMs × 2^(failures − 1)`, at most `intervalMs`. */
  #backoffMs(failures: number): number {
    return Math.min(this.failureBackoffMs * 2 ** Math.min(failures - 1, 1023), this.intervalMs);
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
      // The time source's timer rather than AbortSignal.timeout, so that a fake time drives it too.
      const cancelTimer = startTimer(
        this.#time,
        () => {
          finish();
          const error = new GatewayTimeoutError(this.requestTimeoutMs);
          controller.abort(error);
          reject(error);
        },
        this.requestTimeoutMs,
      );
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
          // A gateway that already names the problem with our classes (the HTTP gateway) keeps it.
          reject(
            error instanceof GatewayError ? error : new GatewayError(`heartbeat request failed: ${describeValue(error)}`, { cause: error }),
          );
        },
      );
    });
  }
}

function assertStatus(value: unknown, option: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new InvalidOptionError(option, value, "must be a non-empty string");
}

/**
 * A reporter of a status to a server (jobmon's `HeartbeatService`): `run({ signal })` sends a
 * heartbeat every `intervalMs`, `tick()` sends one now. Checks every option up front
 * (`InvalidOptionError`).
 */
export function createHeartbeatService<S extends string = string>(options: HeartbeatServiceOptions<S>): HeartbeatService<S> {
  return new HeartbeatService(options);
}
