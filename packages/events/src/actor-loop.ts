import type { Consumer, ConsumerMessages } from "@nats-io/jetstream";
import type { Acker } from "./acker.js";
import type { AnyActor } from "./actor.js";
import type { ConnectionWatch } from "./connection-watch.js";
import { JetStreamDelivery } from "./delivery.js";
import { runJob, type JobEnvironment, type JobOutcome } from "./job.js";
import { ActorJobs, type RunningJobs } from "./job-tracker.js";
import { describeError, type Logger } from "./logger.js";
import { Slots } from "./slots.js";

/** Pause after a failed fetch (server gone, consumer deleted, ...) before the next one, in ms. */
export const FETCH_ERROR_DELAY = 1_000;

/** Everything one actor's loop shares with the rest of its `listen` call. */
export interface LoopEnvironment extends Omit<JobEnvironment, "actor" | "freeSlot"> {
  readonly acker: Acker;
  readonly consumer: Consumer;
  /** The connection's state: while it is down, the loop waits for it instead of polling. */
  readonly watch: Pick<ConnectionWatch, "connected" | "untilConnected">;
  readonly logger: Logger;
  /** Slots shared by every actor of the `listen` call (its `maxJobs`). */
  readonly globalSlots: Slots;
  /** Aborted when `listen` stops: no new fetches. */
  readonly stop: AbortSignal;
  readonly batch: number;
  readonly pollDelay: number;
  readonly burst: boolean;
  /** The running jobs of the `listen` call, for the drain. */
  readonly jobs: RunningJobs;
  /** Reports each finished job (tests and stats). */
  readonly onOutcome?: ((actor: AnyActor, outcome: JobOutcome) => void) | undefined;
}

/**
 * Pulls and handles one actor's events until `stop` aborts (or once, in burst mode).
 *
 * Fetches only as many messages as there are free slots (G-W10): each fetch first takes slots
 * from the actor's `maxJobs` and then, in priority order, from the `listen` call's `maxJobs`, and
 * asks the server for exactly that many. Several fetches may be open at once, one per batch of
 * free slots, so a slot freed by a finished job is filled without waiting for other fetches.
 * Nothing waits locally for a slot, so nothing sits in this process while another instance idles.
 */
export async function runActorLoop(actor: AnyActor, env: LoopEnvironment): Promise<void> {
  const local = new Slots(actor.maxJobs);
  const tracker = new ActorJobs(actor, env.jobs, env.logger, env.onOutcome);
  const releaseSlots = (count: number): void => {
    local.release(count);
    env.globalSlots.release(count);
  };
  const jobEnv: JobEnvironment = {
    actor,
    logger: env.logger,
    tasks: env.tasks,
    pulse: env.pulse,
    running: env.running,
    shutdown: env.shutdown,
    deadLetter: env.deadLetter,
    freeSlot: () => {
      releaseSlots(1);
    },
  };
  // One listener for the whole loop: during an outage every open fetch fails at once and waits.
  const stopped = new Promise<void>((resolve) => {
    if (env.stop.aborted) resolve();
    else env.stop.addEventListener("abort", () => {
      resolve();
    }, { once: true });
  });
  const pause = async (ms: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), stopped]);
    clearTimeout(timer);
  };
  const open = new Set<ConsumerMessages>();
  const polls = new Set<Promise<void>>();
  const onStop = (): void => {
    for (const messages of open) void messages.close();
  };
  env.stop.addEventListener("abort", onStop, { once: true });

  const takeSlots = async (): Promise<number> => {
    const fromActor = await local.take(env.batch, "normal", env.stop);
    let fromListen: number;
    try {
      fromListen = await env.globalSlots.take(fromActor, actor.priority, env.stop);
    } catch (error) {
      local.release(fromActor);
      throw error;
    }
    local.release(fromActor - fromListen);
    let taken = fromListen;
    if (taken < env.batch) {
      // Jobs finish in bursts (a fetch delivers many events at once): wait one turn and add the
      // slots freed meanwhile, so the next fetch asks for many events instead of one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const more = local.tryTake(env.batch - taken);
      const moreGlobal = env.globalSlots.tryTake(more);
      local.release(more - moreGlobal);
      taken += moreGlobal;
    }
    return taken;
  };
  const poll = async (slots: number): Promise<void> => {
    let used = 0;
    let messages: ConsumerMessages | undefined;
    try {
      messages = await env.consumer.fetch({ max_messages: slots, expires: env.pollDelay });
      open.add(messages);
      if (env.stop.aborted) void messages.close();
      for await (const msg of messages) {
        const delivery = new JetStreamDelivery(msg, env.acker);
        if (env.stop.aborted) {
          // Arrived after listen stopped: hand it straight back for another instance.
          await delivery.nak(0).catch(() => undefined);
          continue;
        }
        used++;
        tracker.track(runJob(delivery, jobEnv));
      }
    } catch (error) {
      if (!env.stop.aborted) {
        if (env.watch.connected) {
          env.logger.warn("fetch failed; retrying", { actor: actor.name, event: actor.event.name, error: describeError(error) });
        } else {
          // The disconnect was reported once by the connection watch; wait for it to come back
          // instead of logging a failed fetch every second of an outage.
          env.logger.debug("fetch failed while disconnected; waiting for the connection", { actor: actor.name, error: describeError(error) });
          await Promise.race([env.watch.untilConnected(), stopped]);
        }
        await pause(FETCH_ERROR_DELAY);
      }
    } finally {
      if (messages !== undefined) open.delete(messages);
      releaseSlots(slots - used);
    }
  };

  try {
    if (env.burst) {
      if (env.stop.aborted) return;
      await poll(await takeSlots());
      return;
    }
    while (!env.stop.aborted) {
      let slots: number;
      try {
        slots = await takeSlots();
      } catch {
        break; // stop aborted while waiting for a slot
      }
      const p = poll(slots);
      polls.add(p);
      void p.finally(() => polls.delete(p));
    }
    onStop();
    await Promise.all([...polls]);
  } finally {
    env.stop.removeEventListener("abort", onStop);
  }
}
