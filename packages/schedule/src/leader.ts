import { sleep, type TimeSource } from "@x/core";
import type { QueueAdapter, Reservation } from "@x/message";
import { isDuplicateId } from "./duplicate.js";
import { LeaderQueueError } from "./errors.js";

/** The id of the one job in a leader queue: whoever holds its reservation is the leader. */
export const LEADER_JOB_ID = "sched.leader";
/** How long a follower waits for the leader job in one `reserve` call, and after a failure. */
export const LEADER_POLL_MS = 1_000;

/** Who enqueues: this process only while {@link Leadership.holds} says so. */
export interface Leadership {
  /** True while this process holds the lease with at least the margin to spare. */
  holds(): boolean;
  /** Ends the loop and hands the lease over at once (releases the job). */
  readonly done: Promise<void>;
}

interface LeadershipHooks {
  readonly onChange: (held: boolean) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Competes for the leader job of `queue` until `signal` aborts. The lease is counted from before
 * each `reserve` or `touch` call was sent, on the monotonic clock, and ends `marginMs` early, so
 * that an enqueue started while it was held finishes before anyone else can hold it.
 */
export function runLeadership(
  queue: QueueAdapter,
  time: TimeSource,
  marginMs: number,
  signal: AbortSignal,
  hooks: LeadershipHooks,
): Leadership {
  let holdUntil = Number.NEGATIVE_INFINITY;
  let held: Reservation | undefined;
  const lose = (): void => {
    holdUntil = Number.NEGATIVE_INFINITY;
    if (held === undefined) return;
    held = undefined;
    hooks.onChange(false);
  };
  const done = (async () => {
    while (!signal.aborted) {
      try {
        await queue.enqueue({ id: LEADER_JOB_ID, requestType: "x.schedule.leader" }).catch(async (error: unknown) => {
          // Refused: the job exists, held by a leader or waiting for one.
          if (!(await isDuplicateId(queue, LEADER_JOB_ID, error))) throw error;
        });
        const asked = time.now();
        const reservation = await queue.reserve({ timeoutMs: LEADER_POLL_MS, signal });
        if (reservation === null) continue;
        if (reservation.message.id !== LEADER_JOB_ID) {
          await reservation.release();
          throw new LeaderQueueError(queue.name, reservation.message.id);
        }
        held = reservation;
        holdUntil = asked + reservation.leaseMs - marginMs;
        hooks.onChange(true);
        for (;;) {
          await sleep(reservation.leaseMs / 3, signal, time);
          const sent = time.now();
          // A touch that hangs (a dead connection) must not hold up close(); the lease runs out
          // by the monotonic clock whatever the call does.
          await untilAborted(reservation.touch(), signal);
          holdUntil = sent + reservation.leaseMs - marginMs;
        }
      } catch (error) {
        if (aborted(signal)) break;
        lose();
        hooks.onError(error);
        await sleep(LEADER_POLL_MS, signal, time).catch(() => undefined);
      }
    }
    const last = held;
    lose();
    // Hand over now rather than when the lease runs out.
    await last?.release().catch(() => undefined);
  })();
  return { holds: () => time.now() < holdUntil, done };
}

/** Read through a call, so that TypeScript does not narrow it across `await`s. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener("abort", onAbort);
    });
  });
}
