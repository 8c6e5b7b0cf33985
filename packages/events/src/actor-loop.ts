import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@x/core";
import type { Acker } from "./acker.js";
import type { AnyActor } from "./actor.js";
import type { ConnectionWatch } from "./connection-watch.js";
import { JetStreamDelivery } from "./delivery.js";
import { type JobEnvironment, type JobOutcome, runJob } from "./job.js";
import { ActorJobs, type RunningJobs } from "./job-tracker.js";
import { consumeWithinSlots } from "./pull.js";
import { ActorSlots, type Slots } from "./slots.js";

/** Everything one actor's loop shares with the rest of its `listen` call. */
export interface LoopEnvironment extends Omit<JobEnvironment, "actor" | "freeSlot"> {
  readonly acker: Acker;
  readonly consumer: Consumer;
  /** The connection's state: while it is down, the loop waits for it instead of polling. */
  readonly watch: Pick<ConnectionWatch, "connected" | "untilConnected">;
  readonly logger: Logger;
  /** Slots shared by every actor of the `listen` call (its `maxJobs`). */
  readonly listenSlots: Slots;
  /** Aborted when `listen` stops: no new pull requests. */
  readonly stop: AbortSignal;
  readonly batch: number;
  readonly pollDelayMs: number;
  readonly burst: boolean;
  /** The running jobs of the `listen` call, for the drain. */
  readonly jobs: RunningJobs;
  /** Reports each finished job. */
  readonly onOutcome: ((actor: AnyActor, outcome: JobOutcome) => void) | undefined;
}

/**
 * Runs one actor until `stop` aborts (or once, in burst mode): every message becomes a job,
 * within the actor's `maxJobs` and the `listen` call's. `consumeWithinSlots` does the pulling;
 * this loop only turns messages into jobs.
 */
export async function runActorLoop(actor: AnyActor, env: LoopEnvironment): Promise<void> {
  const slots = new ActorSlots(actor.maxJobs, env.listenSlots, actor.priority);
  const jobs = new ActorJobs(actor, env.jobs, env.logger, env.onOutcome);
  const jobEnv: JobEnvironment = {
    actor,
    logger: env.logger,
    tasks: env.tasks,
    pulse: env.pulse,
    running: env.running,
    shutdown: env.shutdown,
    deadLetter: env.deadLetter,
    reply: env.reply,
    freeSlot: () => {
      slots.release(1);
    },
  };
  const onMessage = (msg: JsMsg): boolean | Promise<boolean> => {
    const delivery = new JetStreamDelivery(msg, env.acker);
    if (env.stop.aborted) {
      // Arrived after listen stopped: hand it straight back for another instance.
      return delivery.nak(0).then(() => false);
    }
    jobs.track(runJob(delivery, jobEnv));
    return true;
  };
  await consumeWithinSlots(
    env.consumer,
    slots,
    {
      batch: env.batch,
      pollDelayMs: env.pollDelayMs,
      burst: env.burst,
      stop: env.stop,
      watch: env.watch,
      logger: env.logger,
      logFields: { actor: actor.name, event: actor.event.name },
    },
    onMessage,
  );
}
