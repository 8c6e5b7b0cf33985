import { join } from "node:path";
import {
  InvalidArgumentError,
  type JsonValue,
  LeaseLostError,
  type Message,
  normalizePriority,
  QueueClosedError,
  type ReleaseOptions,
  type Reservation,
} from "@x/message";
import { claim, remove, tempName, writeNewFile } from "./files.js";
import { formatBuried, formatReserved, newToken, reasonFileOf } from "./names.js";
import { encodeProgress, removeProgress, writeProgress } from "./progress.js";
import { Mutex } from "./serial.js";
import type { JobStore } from "./store.js";

/** A job this process claimed: its file in `reserved/` and what its name says. */
export interface Claim {
  readonly id: string;
  readonly priority: number;
  /** Hand-outs including this one. */
  readonly deliveries: number;
  readonly name: string;
  readonly leaseEndsAt: number;
}

/** Longest bury reason kept, in characters; longer ones are cut. */
const MAX_REASON_LENGTH = 64 * 1024;

const LOST = "the lease ran out and another process requeued it, or the job was deleted";

/**
 * One hand-out of a job. Its identity is the exact name of its file in `reserved/`: every
 * method renames or removes that name, so a holder whose lease was taken over (the name is gone)
 * can never settle the job again. Calls on one reservation run one at a time.
 */
export class FileReservation implements Reservation {
  readonly message: Message;
  readonly leaseMs: number;
  readonly #store: JobStore;
  readonly #isClosed: () => boolean;
  readonly #onSettled: (reservation: FileReservation) => void;
  readonly #mutex = new Mutex();
  #claim: Claim;
  #settled = false;
  /** Whether a progress record of this hand-out may exist (it is removed when the hand-out ends). */
  #reported = false;

  constructor(store: JobStore, claimed: Claim, message: Message, isClosed: () => boolean, onSettled: (r: FileReservation) => void) {
    this.#store = store;
    this.#claim = claimed;
    this.message = message;
    this.leaseMs = store.options.ttrMs;
    this.#isClosed = isClosed;
    this.#onSettled = onSettled;
  }

  /** When the lease ends now (epoch ms). */
  get leaseEndsAt(): number {
    return this.#claim.leaseEndsAt;
  }

  ack(): Promise<void> {
    return this.#settle("ack", async (held) => {
      if (!(await remove(this.#store.path("reserved", held.name)))) return false;
      this.#store.index.forget(held.name);
      return true;
    });
  }

  release(options: ReleaseOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      return Promise.reject(new InvalidArgumentError("delayMs", `must be a non-negative number of milliseconds, got ${String(delayMs)}`));
    }
    let priority: number | undefined;
    try {
      priority = options.priority === undefined ? undefined : normalizePriority(options.priority);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#settle("release", async (held) => {
      const store = this.#store;
      const readyName = store.readyName({ ...held, priority: priority ?? held.priority }, store.clock.wall() + delayMs);
      if (!(await claim(store.path("reserved", held.name), store.path("ready", readyName)))) return false;
      await store.publishReady([readyName]);
      return true;
    });
  }

  bury(reason: string): Promise<void> {
    if (typeof reason !== "string") return Promise.reject(new InvalidArgumentError("reason", "must be a string"));
    return this.#settle("bury", async (held) => {
      const store = this.#store;
      const buried = formatBuried({ buriedAt: store.clock.now(), seq: store.clock.nextSeq(), ...held, kind: "job" });
      // The reason goes in first, so a buried job always has it; a lost race takes it out again.
      const temp = join(store.layout.tmp, tempName());
      await writeNewFile(temp, reason.slice(0, MAX_REASON_LENGTH), store.options.fsync);
      const reasonPath = store.path("buried", reasonFileOf(buried));
      await claim(temp, reasonPath);
      if (!(await claim(store.path("reserved", held.name), store.path("buried", buried)))) {
        await remove(reasonPath);
        return false;
      }
      await store.flush("buried");
      return true;
    });
  }

  touch(): Promise<void> {
    return this.#run("touch", (held) => this.#renew(held, "touch"));
  }

  /**
   * Renews the lease as `touch()` does, then stores `value` where `list({ state: "reserved" })`
   * reads it, with this process as the holder (`host:pid`).
   */
  progress(value: JsonValue): Promise<void> {
    let record: string;
    try {
      record = encodeProgress(value);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("report progress", async (held) => {
      await this.#renew(held, "report progress");
      this.#reported = true;
      await writeProgress(this.#store.layout, held, record);
    });
  }

  /** Renames the lease file to a new lease end: the lease is renewed, or found lost. */
  async #renew(held: Claim, action: string): Promise<void> {
    const store = this.#store;
    const leaseEndsAt = store.clock.wall() + this.leaseMs;
    const endsAt = store.clock.monotonic() + this.leaseMs;
    const name = formatReserved({ ...held, leaseEndsAt, token: newToken() });
    store.forgetLease(held.name);
    if (!(await claim(store.path("reserved", held.name), store.path("reserved", name)))) {
      await this.#ended();
      throw this.#lost(action);
    }
    this.#claim = { ...held, name, leaseEndsAt };
    store.noteLease(name, endsAt);
  }

  /** The hand-out is over (settled here, or lost): forgets it, and its progress record. */
  async #ended(): Promise<void> {
    this.#settled = true;
    this.#onSettled(this);
    if (this.#reported) await removeProgress(this.#store.layout, this.#claim);
  }

  /** Called by `close()`: gives the job back to the queue (the hand-out counts as an attempt). */
  returnToQueue(): Promise<boolean> {
    return this.#mutex.run(async () => {
      if (this.#settled) return false;
      await this.#ended();
      const store = this.#store;
      store.forgetLease(this.#claim.name);
      const readyName = store.readyName(this.#claim);
      if (!(await claim(store.path("reserved", this.#claim.name), store.path("ready", readyName)))) return false;
      await store.publishReady([readyName]);
      return true;
    });
  }

  /** Runs a settling action; `false` from it means the lease was lost. */
  #settle(action: string, task: (held: Claim) => Promise<boolean>): Promise<void> {
    return this.#run(action, async (held) => {
      this.#store.forgetLease(held.name);
      const kept = await task(held);
      await this.#ended();
      if (!kept) throw this.#lost(action);
    });
  }

  #run(action: string, task: (held: Claim) => Promise<void>): Promise<void> {
    return this.#mutex.run(async () => {
      if (this.#isClosed()) throw new QueueClosedError("file");
      if (this.#settled) throw new LeaseLostError(this.message.id, `cannot ${action}: already settled`);
      await task(this.#claim);
    });
  }

  #lost(action: string): LeaseLostError {
    return new LeaseLostError(this.message.id, `cannot ${action}: ${LOST}`);
  }
}
