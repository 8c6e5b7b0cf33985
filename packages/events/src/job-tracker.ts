import { describeValue, type Logger } from "@x/core";
import type { AnyActor } from "./actor.js";
import type { JobOutcome } from "./job.js";

/**
 * Counts the running jobs of one `listen` call, so the drain can wait for them to finish
 * without keeping a promise per job in a set.
 */
export class RunningJobs {
  #count = 0;
  #waiters: (() => void)[] = [];

  get size(): number {
    return this.#count;
  }

  started(): void {
    this.#count++;
  }

  finished(): void {
    this.#count--;
    if (this.#count > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when no job is running. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Follows one actor's jobs to their end: reports each outcome and counts it off. */
export class ActorJobs {
  constructor(
    private readonly actor: AnyActor,
    private readonly running: RunningJobs,
    private readonly logger: Logger,
    /** The owner's emitter (it never throws), or `undefined` when nobody listens. */
    private readonly onOutcome: ((actor: AnyActor, outcome: JobOutcome) => void) | undefined,
  ) {}

  /** Tracks a started job (the callbacks are bound once per actor, not created per job). */
  track(job: Promise<JobOutcome>): void {
    this.running.started();
    job.then(this.#done, this.#crashed);
  }

  readonly #done = (outcome: JobOutcome): void => {
    this.running.finished();
    this.onOutcome?.(this.actor, outcome);
  };

  // runJob handles every failure of a handler; a rejection here is a bug of ours, reported loudly.
  readonly #crashed = (error: unknown): void => {
    this.running.finished();
    this.logger.error({ actor: this.actor.name, error: describeValue(error) }, "job crashed");
  };
}
