import { AsyncResource } from "node:async_hooks";
import { describeValue, type Logger } from "@x/core";
import type { AnyActor } from "./actor.js";
import type { DeadLetterInput } from "./dead-letter.js";
import type { Delivery } from "./delivery.js";
import { InvalidPayloadError, SerializationError, ShutdownError } from "./errors.js";
import { delayUntilOf, HEADER_REPLY } from "./headers.js";
import { callHooks } from "./hooks.js";
import { JobScope } from "./job-scope.js";
import type { Pulse } from "./pulse.js";
import { HEADER_REPLY_ERROR, responseOf } from "./response.js";
import { attemptOf, retryDelayFor } from "./retry.js";
import type { Tasks } from "./tasks.js";
import { countDeadLettered, countRetried, endHandleSpan, startHandleSpan } from "./telemetry.js";

/** What happened to one delivery. */
export type JobOutcome =
  /** Handled and acknowledged. */
  | "acked"
  /** Failed; handed back with the retry delay. */
  | "retried"
  /** `listen` stopped before it finished; handed back with no delay. */
  | "released"
  /** Arrived before its delay ran out; handed back until then without running. */
  | "bounced"
  /** Moved to the dead-letter stream and terminated. */
  | "dead-lettered"
  /**
   * Could not be dead-lettered in {@link DEAD_LETTER_ATTEMPTS} deliveries past its last attempt
   * (the dead-letter stream refuses it): terminated and logged at error level, never retried forever.
   */
  | "terminated";

/**
 * Deliveries past `maxAttempts` (or past an undecodable first one) that may each try to publish
 * the dead letter before the event is terminated instead.
 */
export const DEAD_LETTER_ATTEMPTS = 10;

/** What a job needs from its surroundings (one per actor and `listen` call). */
export interface JobEnvironment {
  readonly actor: AnyActor;
  readonly logger: Logger;
  /** Tracks hook promises so `listen` can wait for them. */
  readonly tasks: Tasks;
  /** In-progress pulses of the actor's running jobs (used when `actor.pulse`). */
  readonly pulse: Pulse;
  /**
   * The running asynchronous handlers: when the drain deadline passes, `listen` aborts each with
   * a `ShutdownError`. A job registers itself while its handler runs.
   */
  readonly running: Set<{ abort(reason: Error): void }>;
  /** Aborted when the drain deadline has passed; a handler about to start fails at once. */
  readonly shutdown: AbortSignal;
  /** Publishes a dead letter and resolves with its subject. */
  readonly deadLetter: (input: DeadLetterInput) => Promise<string>;
  /**
   * Gives the job's slot back: called once per job, as soon as the handler is done (before the
   * server confirms the acknowledgement), so waiting for confirmations never idles a slot.
   */
  readonly freeSlot: () => void;
  /**
   * Publishes a response (core NATS, fire and forget) to a requester's inbox. Never throws: a
   * response that cannot be sent is logged, as walnats' is lost.
   */
  readonly reply: (subject: string, data: Uint8Array, headers: Readonly<Record<string, string>>) => void;
}

/** A delayed event that is due within this many ms runs now (walnats' threshold). */
const DELAY_TOLERANCE_MS = 1;

/**
 * Handles one delivery (walnats' `_handle_message`, fixed): delay bounce, attempt limit, pulse,
 * decode and validate, hooks, the handler under `jobTimeoutMs` with an `AbortSignal`, then a
 * confirmed ack, a nak with the retry delay, or the dead-letter stream.
 */
export function runJob(delivery: Delivery, env: JobEnvironment): Promise<JobOutcome> {
  if (env.actor.middlewares.length === 0) return handle(delivery, env);
  // Its own async scope: AsyncLocalStorage stores that hooks enter (currentContext) stay with
  // this job and never leak into the listen loop or into other jobs.
  return new AsyncResource("@x/events.job").runInAsyncScope(handle, null, delivery, env);
}

async function handle(delivery: Delivery, env: JobEnvironment): Promise<JobOutcome> {
  // The slot goes back as early as possible (before a settlement is confirmed) and exactly
  // once; the finally covers a throw nobody expects (a logger that throws).
  let slotFreed = false;
  try {
    const { actor } = env;
    const now = Date.now();
    const delayUntil = delayUntilOf(delivery.headers, now);
    if (delayUntil !== undefined && delayUntil - now > DELAY_TOLERANCE_MS) {
      // Not due: hand it back without decoding or hooks. attemptOf() discounts the bounce.
      slotFreed = true;
      env.freeSlot();
      unconfirmed(await delivery.nak(delayUntil - now), "nak", delivery, env.logger);
      return "bounced";
    }
    // The stored time only matters (and is only read) for a delayed event.
    const attempt = attemptOf(delivery.deliveryCount, delayUntil, delayUntil === undefined ? 0 : delivery.storedAt);
    const scope = new JobScope(actor, delivery, attempt);

    if (delivery.malformedHeaders !== undefined) {
      const error = new SerializationError(actor.event.name, "decode", `malformed headers: ${delivery.malformedHeaders}`);
      return await deadLetterUndecodable(delivery, env, scope, error);
    }
    if (attempt > actor.maxAttempts) {
      // Delivered again after its last allowed run (the process handling it died, or the ack was lost).
      const error = `delivered ${attempt} times; maxAttempts is ${actor.maxAttempts}`;
      return await moveToDeadLetters(delivery, env, {
        reason: "max-attempts",
        error,
        info: scope.info(),
        data: delivery.data,
        attempts: attempt - 1,
      });
    }

    if (actor.pulse) env.pulse.track(delivery);
    let message: unknown;
    try {
      const decoded = actor.event.decode(delivery.data);
      message = decoded instanceof Promise ? await decoded : decoded;
    } catch (error) {
      if (actor.pulse) env.pulse.untrack(delivery);
      return await deadLetterUndecodable(delivery, env, scope, error);
    }

    const hooks = actor.middlewares.length > 0;
    if (hooks) callHooks(actor.middlewares, "onStart", { ...scope.info(), message }, env.tasks, env.logger);
    // The handler runs inside its span, continuing the emitter's trace from the event's headers.
    const span = startHandleSpan(scope, env.logger);
    const started = performance.now();
    let failed = false;
    let failure: unknown;
    const result: { value?: unknown } = {};
    try {
      const running =
        span === undefined
          ? runHandler(actor, message, scope, env, started, result)
          : span.run(() => runHandler(actor, message, scope, env, started, result));
      if (running !== undefined) result.value = await running;
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      if (actor.pulse) env.pulse.untrack(delivery);
      scope.stopTimeout();
      env.running.delete(scope);
    }
    slotFreed = true;
    env.freeSlot();
    if (failed) {
      endHandleSpan(span, scope, performance.now() - started, { error: failure });
      return await retryOrDeadLetter(delivery, env, scope, message, failure);
    }
    // A request (walnats' Walnats-Reply) to an event with a response: the result is encoded (and
    // validated) before the ack, so a result that does not fit fails the attempt like a throw.
    const replyTo = delivery.headers[HEADER_REPLY];
    const response = replyTo === undefined ? undefined : responseOf(actor.event);
    let responseData: Uint8Array | undefined;
    if (response !== undefined) {
      try {
        responseData = await response.encode(result.value);
      } catch (error) {
        endHandleSpan(span, scope, performance.now() - started, { error });
        return await retryOrDeadLetter(delivery, env, scope, message, error);
      }
    }
    const durationMs = hooks ? performance.now() - started : 0;
    unconfirmed(await delivery.ack(), "ack", delivery, env.logger);
    endHandleSpan(span, scope, performance.now() - started);
    // After the ack, as walnats does, with the event's own headers (trace id, uid) copied.
    if (replyTo !== undefined && responseData !== undefined) env.reply(replyTo, responseData, delivery.headers);
    if (hooks) callHooks(actor.middlewares, "onSuccess", { ...scope.info(), message, durationMs }, env.tasks, env.logger);
    return "acked";
  } finally {
    if (!slotFreed) env.freeSlot();
  }
}

/**
 * Runs the handler under `jobTimeoutMs`. The job fails as soon as it times out or the drain
 * deadline passes, even if the handler ignores its signal (it may keep running in the
 * background; JavaScript cannot stop it). A synchronous handler is simply called: nothing can
 * interrupt it, so it needs no timer: it returns `undefined` and its result goes to `out`. The
 * caller stops the timer.
 */
function runHandler(
  actor: AnyActor,
  message: unknown,
  scope: JobScope,
  env: JobEnvironment,
  started: number,
  out: { value?: unknown },
): Promise<unknown> | undefined {
  if (env.shutdown.aborted) throw new ShutdownError();
  const result = actor.handler(message, scope);
  if (!isThenable(result)) {
    out.value = result;
    return undefined;
  }
  // The timer counts from the call, so a long synchronous start counts too.
  scope.startTimeout(actor.jobTimeoutMs - (performance.now() - started), actor.jobTimeoutMs);
  env.running.add(scope);
  return Promise.race([result, scope.failed()]);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

/** After a failed run: hand the event back (with the retry delay, or none on shutdown) or dead-letter it. */
async function retryOrDeadLetter(
  delivery: Delivery,
  env: JobEnvironment,
  scope: JobScope,
  message: unknown,
  error: unknown,
): Promise<JobOutcome> {
  const { actor, logger } = env;
  const shutdown = error instanceof ShutdownError;
  const willRetry = shutdown || scope.attempt < actor.maxAttempts;
  logger.warn(
    { actor: actor.name, event: actor.event.name, seq: scope.seq, attempt: scope.attempt, willRetry, error: describeValue(error) },
    "handler failed",
  );
  if (actor.middlewares.length > 0)
    callHooks(actor.middlewares, "onFailure", { ...scope.info(), message, error, willRetry }, env.tasks, logger);
  if (willRetry) countRetried(actor.event.name, actor.name);
  if (shutdown) {
    unconfirmed(await delivery.nak(0), "nak", delivery, logger);
    return "released";
  }
  if (!willRetry) {
    return moveToDeadLetters(delivery, env, {
      reason: "max-attempts",
      error: describeValue(error),
      info: scope.info(),
      data: delivery.data,
      attempts: scope.attempt,
    });
  }
  unconfirmed(await delivery.nak(retryDelayFor(scope.attempt, actor.retryDelaysMs)), "nak", delivery, logger);
  return "retried";
}

/** Decoding is deterministic: retrying cannot help, so the event goes to the dead letters at once. */
function deadLetterUndecodable(delivery: Delivery, env: JobEnvironment, scope: JobScope, error: unknown): Promise<JobOutcome> {
  const { actor } = env;
  const info = scope.info();
  if (actor.middlewares.length > 0)
    callHooks(actor.middlewares, "onFailure", { ...info, message: undefined, error, willRetry: false }, env.tasks, env.logger);
  const reason = error instanceof InvalidPayloadError ? "schema-error" : "decode-error";
  return moveToDeadLetters(delivery, env, { reason, error: describeValue(error), info, data: delivery.data, attempts: 0 });
}

async function moveToDeadLetters(delivery: Delivery, env: JobEnvironment, input: Omit<DeadLetterInput, "stream">): Promise<JobOutcome> {
  const { actor, logger } = env;
  let subject: string;
  try {
    subject = await env.deadLetter({ ...input, stream: actor.event.streamName });
  } catch (error) {
    // How many deliveries already tried (and failed) to dead-letter it: the runs it was allowed
    // (none when it could not be decoded) are not among them.
    const tries = delivery.deliveryCount - (input.reason === "max-attempts" ? actor.maxAttempts : 0);
    if (tries >= DEAD_LETTER_ATTEMPTS) {
      logger.error(
        {
          actor: actor.name,
          event: actor.event.name,
          stream: actor.event.streamName,
          seq: input.info.seq,
          reason: input.reason,
          error: describeValue(error),
        },
        "cannot publish dead letter; giving up and terminating the event",
      );
      unconfirmed(await delivery.term(), "term", delivery, logger);
      return "terminated";
    }
    // Never drop an event: if the dead-letter stream cannot take it, it stays in its own stream.
    logger.error(
      { actor: actor.name, event: actor.event.name, seq: input.info.seq, error: describeValue(error) },
      "cannot publish dead letter; the event will be delivered again",
    );
    unconfirmed(await delivery.nak(retryDelayFor(Math.max(input.attempts, 1), actor.retryDelaysMs)), "nak", delivery, logger);
    return "retried";
  }
  unconfirmed(await delivery.term(), "term", delivery, logger);
  logger.warn(
    { actor: actor.name, event: actor.event.name, seq: input.info.seq, reason: input.reason, error: input.error },
    "event moved to the dead-letter stream",
  );
  countDeadLettered(actor.event.name, actor.name);
  callHooks(actor.middlewares, "onDeadLetter", { ...input.info, reason: input.reason, error: input.error, subject }, env.tasks, logger);
  // A requester still waiting learns at once that no response will come, instead of at its timeout.
  const replyTo = delivery.headers[HEADER_REPLY];
  if (replyTo !== undefined && responseOf(actor.event) !== undefined) {
    const why = `${input.reason}: ${input.error}`.replaceAll(/[\r\n]+/g, " ").slice(0, 1_024);
    env.reply(replyTo, new Uint8Array(0), { ...delivery.headers, [HEADER_REPLY_ERROR]: why });
  }
  return "dead-lettered";
}

/** Reports an acknowledgement the server did not confirm (`failure`), if any. */
function unconfirmed(failure: Error | undefined, kind: "ack" | "nak" | "term", delivery: Delivery, logger: Logger): void {
  // The server redelivers after ackWaitMs, so at worst the event is handled twice.
  if (failure !== undefined)
    logger.warn(
      { seq: delivery.streamSeq, kind, error: describeValue(failure) },
      "acknowledgement not confirmed; the event may be delivered again",
    );
}
