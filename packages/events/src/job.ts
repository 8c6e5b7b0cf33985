import { AsyncResource } from "node:async_hooks";
import type { AnyActor } from "./actor.js";
import type { DeadLetterInput } from "./dead-letter.js";
import type { Delivery } from "./delivery.js";
import { InvalidPayloadError, JobTimeoutError, ShutdownError } from "./errors.js";
import { HEADER_DELAY_UNTIL, parseDelayUntil } from "./headers.js";
import { callHooks } from "./hooks.js";
import { describeError, type Logger } from "./logger.js";
import type { Pulse } from "./pulse.js";
import { JobScope } from "./job-scope.js";
import { attemptOf, retryDelayFor } from "./retry.js";
import type { Tasks } from "./tasks.js";

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
  | "dead-lettered";

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
}

/** A delayed event that is due within this many ms runs now (walnats' threshold). */
const DELAY_TOLERANCE_MS = 1;

/**
 * Handles one delivery (walnats' `_handle_message`, fixed): delay bounce, attempt limit, pulse,
 * decode and validate, hooks, the handler under `jobTimeout` with an `AbortSignal`, then a
 * confirmed ack, a nak with the retry delay, or the dead-letter stream.
 */
export function runJob(delivery: Delivery, env: JobEnvironment): Promise<JobOutcome> {
  if (env.actor.middlewares.length === 0) return handle(delivery, env);
  // Its own async scope: AsyncLocalStorage stores that hooks enter (currentContext) stay with
  // this job and never leak into the listen loop or into other jobs.
  return new AsyncResource("@x/events.job").runInAsyncScope(handle, null, delivery, env);
}

async function handle(delivery: Delivery, env: JobEnvironment): Promise<JobOutcome> {
  let slotFreed = false;
  const freeSlot = (): void => {
    if (slotFreed) return;
    slotFreed = true;
    env.freeSlot();
  };
  try {
    const { actor, logger } = env;
    const delayUntil = parseDelayUntil(delivery.headers[HEADER_DELAY_UNTIL]);
    const left = delayUntil === undefined ? 0 : delayUntil - Date.now();
    if (left > DELAY_TOLERANCE_MS) {
      // Not due: hand it back without decoding or hooks. attemptOf() discounts the bounce.
      freeSlot();
      await settle(delivery.nak(left), "nak", delivery, logger);
      return "bounced";
    }
    const scope = new JobScope(actor, delivery, attemptOf(delivery.deliveryCount, delayUntil, delivery.storedAt));
    const { attempt } = scope;
    const hooks = actor.middlewares.length > 0;

    if (attempt > actor.maxAttempts) {
      // Delivered again after its last allowed run (the process handling it died, or the ack was lost).
      const error = `delivered ${attempt} times; maxAttempts is ${actor.maxAttempts}`;
      return await moveToDeadLetters(delivery, env, { reason: "max-attempts", error, info: scope.info(), data: delivery.data, attempts: attempt - 1 });
    }

    if (actor.pulse) env.pulse.track(delivery);
    try {
      let message: unknown;
      try {
        const decoded = actor.event.decode(delivery.data);
        message = decoded instanceof Promise ? await decoded : decoded;
      } catch (error) {
        env.pulse.untrack(delivery);
        // Decoding is deterministic: retrying cannot help, so the event goes to the dead letters at once.
        const info = scope.info();
        if (hooks) callHooks(actor.middlewares, "onFailure", { ...info, message: undefined, error, willRetry: false }, env.tasks, logger);
        const reason = error instanceof InvalidPayloadError ? "schema-error" : "decode-error";
        return await moveToDeadLetters(delivery, env, { reason, error: describeError(error), info, data: delivery.data, attempts: 0 });
      }

      if (hooks) callHooks(actor.middlewares, "onStart", { ...scope.info(), message }, env.tasks, logger);
      const started = performance.now();
      try {
        const running = runHandler(actor, message, scope, env, started);
        if (running !== undefined) await running;
      } catch (error) {
        env.pulse.untrack(delivery);
        freeSlot();
        const shutdown = error instanceof ShutdownError;
        const willRetry = shutdown || attempt < actor.maxAttempts;
        logger.warn(`unhandled ${error instanceof Error ? error.name : "error"} in actor "${actor.name}"`, {
          actor: actor.name,
          event: actor.event.name,
          attempt,
          error: describeError(error),
        });
        if (hooks) callHooks(actor.middlewares, "onFailure", { ...scope.info(), message, error, willRetry }, env.tasks, logger);
        if (shutdown) {
          await settle(delivery.nak(0), "nak", delivery, logger);
          return "released";
        }
        if (!willRetry) {
          return await moveToDeadLetters(delivery, env, { reason: "max-attempts", error: describeError(error), info: scope.info(), data: delivery.data, attempts: attempt });
        }
        await settle(delivery.nak(retryDelayFor(attempt, actor.retryDelay)), "nak", delivery, logger);
        return "retried";
      }
      const durationMs = performance.now() - started;
      env.pulse.untrack(delivery);
      freeSlot();
      await settle(delivery.ack(), "ack", delivery, logger);
      if (hooks) callHooks(actor.middlewares, "onSuccess", { ...scope.info(), message, durationMs }, env.tasks, logger);
      return "acked";
    } finally {
      env.pulse.untrack(delivery);
    }
  } finally {
    freeSlot();
  }
}

const onJobTimeout = (scope: JobScope, actor: AnyActor): void => {
  scope.abort(new JobTimeoutError(actor.name, actor.jobTimeout));
};

/**
 * Runs the handler under `jobTimeout`. The job fails as soon as it times out or the drain
 * deadline passes, even if the handler ignores its signal (it may keep running in the
 * background; JavaScript cannot stop it). A synchronous handler is simply called: nothing can
 * interrupt it, so it needs no timer, and it returns `undefined`.
 */
function runHandler(actor: AnyActor, message: unknown, scope: JobScope, env: JobEnvironment, started: number): Promise<void> | undefined {
  if (env.shutdown.aborted) throw new ShutdownError();
  const result = actor.handler(message, scope);
  if (!isThenable(result)) return undefined;
  // The timer counts from the call, so a long synchronous start counts too.
  const timer = setTimeout(onJobTimeout, Math.max(0, actor.jobTimeout - (performance.now() - started)), scope, actor);
  env.running.add(scope);
  const done = (): void => {
    clearTimeout(timer);
    env.running.delete(scope);
  };
  return Promise.race([result, scope.failed()]).then(done, (error: unknown) => {
    done();
    throw error;
  });
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

async function moveToDeadLetters(delivery: Delivery, env: JobEnvironment, input: DeadLetterInput): Promise<JobOutcome> {
  const { actor, logger } = env;
  let subject: string;
  try {
    subject = await env.deadLetter(input);
  } catch (error) {
    // Never drop an event: if the dead-letter stream cannot take it, it stays in its own stream.
    logger.error("cannot publish dead letter; the event will be delivered again", {
      actor: actor.name,
      event: actor.event.name,
      seq: input.info.seq,
      error: describeError(error),
    });
    await settle(delivery.nak(retryDelayFor(Math.max(input.attempts, 1), actor.retryDelay)), "nak", delivery, logger);
    return "retried";
  }
  await settle(delivery.term(), "term", delivery, logger);
  logger.warn("event moved to the dead-letter stream", {
    actor: actor.name,
    event: actor.event.name,
    seq: input.info.seq,
    reason: input.reason,
    error: input.error,
  });
  callHooks(actor.middlewares, "onDeadLetter", { ...input.info, reason: input.reason, error: input.error, subject }, env.tasks, logger);
  return "dead-lettered";
}

async function settle(operation: Promise<void>, kind: string, delivery: Delivery, logger: Logger): Promise<void> {
  try {
    await operation;
  } catch (error) {
    // Not confirmed: the server redelivers after ackWait, so at worst the event is handled twice.
    logger.warn(`${kind} not confirmed; the event may be delivered again`, { seq: delivery.streamSeq, error: describeError(error) });
  }
}
