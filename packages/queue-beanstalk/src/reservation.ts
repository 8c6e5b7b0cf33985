import { systemTime } from "@x/core";
import {
  ConnectionError,
  InvalidArgumentError,
  LeaseLostError,
  type Message,
  normalizePriority,
  QueueClosedError,
  type ReleaseOptions,
  type Reservation,
  TimeoutError,
} from "@x/message";
import { BeanstalkCommandError } from "./errors.js";
import type { LeaseWatch } from "./lease-watch.js";
import { MAX_SECONDS, toSeconds } from "./options.js";
import type { Connection } from "./protocol/connection.js";
import type { Session } from "./protocol/session.js";

/** What a reservation needs from its queue. */
export interface ReservationHost {
  readonly queueName: string;
  /** Where the client-side lease is enforced (one timer for all reservations). */
  readonly leases: LeaseWatch;
  isClosed(): boolean;
  /** Called exactly once, when the reservation stops holding its job (settled or lost). */
  finished(reservation: BeanstalkReservation): void;
  buried(jobId: number, reason: string): void;
}

/**
 * How long after its TTR a reservation that was neither settled nor touched is given back by this
 * client, in case the server did not (see {@link BeanstalkReservation}).
 */
export const LEASE_GRACE_MS = 1_000;

/**
 * A job reserved on one socket. beanstalkd ties a reservation to the connection that made it:
 * only that socket may delete, release, bury or touch the job, and when it closes the server puts
 * the job back. So every call goes through that socket, and once it is gone the lease is lost.
 *
 * The lease is also enforced here, because beanstalkd 1.12 does not: after a
 * `reserve-with-timeout`, the holder's connection drops out of the server's timer heap, and the
 * job stays `reserved` with a negative `time-left` until that connection sends something or
 * closes (beanstalkd issues #262 and #380, fix proposed in PR #334; reproduced against the 1.12
 * this package is tested with, for TTRs of 1 to 8 s). So a reservation neither settled nor
 * touched for its TTR plus {@link LEASE_GRACE_MS} is released by its own socket, which is what the
 * server should have done; the holder then gets `LeaseLostError`, as the contract says. A holder
 * whose process is frozen with its socket open cannot do this, and on 1.12 keeps the job until it
 * resumes or its socket closes.
 */
export class BeanstalkReservation implements Reservation {
  readonly message: Message;
  readonly leaseMs: number;
  /** beanstalkd's id of the job (also `message.id`, as a string). */
  readonly jobId: number;
  /** The connection that reserved it (the queue's bookkeeping of busy sockets). */
  readonly owner: Connection;
  /** When this client gives the job back unless it is touched or settled first (`systemTime.now()` ms). */
  leaseDeadline: number;
  readonly #session: Session;
  readonly #host: ReservationHost;
  readonly #priority: number;
  #state: "held" | "done" = "held";
  #lostBecause = "already settled";

  constructor(host: ReservationHost, owner: Connection, session: Session, jobId: number, message: Message, ttrSeconds: number) {
    this.#host = host;
    this.owner = owner;
    this.#session = session;
    this.jobId = jobId;
    this.message = message;
    this.#priority = message.header.priority;
    this.leaseMs = ttrSeconds * 1000;
    this.leaseDeadline = systemTime.now() + this.leaseMs + LEASE_GRACE_MS;
    host.leases.watch(this);
  }

  /** Called by the queue's {@link LeaseWatch} once {@link leaseDeadline} has passed. */
  leaseRanOut(): void {
    this.giveBack("the lease ran out and the job was given back to the queue");
  }

  /** Whether this reservation still holds its job (not settled, not lost). */
  get isHeld(): boolean {
    return this.#state === "held" && this.#session.isOpen;
  }

  /**
   * Releases the job unsettled, at once and with its priority, without waiting for the answer
   * (NOT_FOUND would mean the server already took it back). Later calls get `LeaseLostError`
   * with `reason`.
   */
  giveBack(reason: string): void {
    if (this.#state !== "held" || this.#host.isClosed()) return;
    const session = this.#session;
    this.#finish(reason);
    if (!session.isOpen) return;
    session.release(this.jobId, this.#priority, 0).catch(() => undefined);
  }

  /** Done: `delete`. */
  async ack(): Promise<void> {
    this.#begin("ack");
    // Not through #settle: the ack of every job, so no closure and one async frame fewer.
    this.#finish("already settled");
    try {
      await this.#session.delete(this.jobId);
    } catch (err) {
      throw this.#map("ack", err);
    }
  }

  /** Retry later: `release` with the job's priority unless given, delay rounded up to whole seconds. */
  async release(options: ReleaseOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidArgumentError("delayMs", `must be a non-negative finite number, got ${String(delayMs)}`);
    }
    const priority = options.priority === undefined ? this.#priority : normalizePriority(options.priority, "priority");
    const seconds = toSeconds(delayMs);
    if (seconds > MAX_SECONDS) throw new InvalidArgumentError("delayMs", "is beyond beanstalkd's 2^32-1 seconds");
    this.#begin("release");
    await this.#settle("release", () => this.#session.release(this.jobId, priority, seconds));
  }

  /** Keep for inspection: `bury` (priority kept). The reason goes to the queue's `buried` event. */
  async bury(reason: string): Promise<void> {
    if (typeof reason !== "string") throw new InvalidArgumentError("reason", "must be a string");
    this.#begin("bury");
    await this.#settle("bury", () => this.#session.bury(this.jobId, this.#priority));
    this.#host.buried(this.jobId, reason);
  }

  /** Extend the lease: `touch`. */
  async touch(): Promise<void> {
    this.#begin("touch");
    try {
      await this.#session.touch(this.jobId);
      if (this.#state === "held") {
        this.leaseDeadline = systemTime.now() + this.leaseMs + LEASE_GRACE_MS;
        this.#host.leases.watch(this);
      }
    } catch (err) {
      const mapped = this.#map("touch", err);
      if (mapped instanceof LeaseLostError) this.#finish(mapped.message);
      throw mapped;
    }
  }

  /**
   * `delete(id)` from the queue for a job this reservation holds: sent on this socket, because
   * beanstalkd lets only the holder delete a reserved job. Resolves to whether it was deleted.
   */
  async deleteForQueue(): Promise<boolean> {
    if (this.#state !== "held" || !this.#session.isOpen) return false;
    this.#finish("the job was deleted with delete()");
    try {
      await this.#session.delete(this.jobId);
      return true;
    } catch (err) {
      if (err instanceof BeanstalkCommandError && err.reply === "NOT_FOUND") return false;
      throw err;
    }
  }

  #begin(action: string): void {
    if (this.#host.isClosed()) throw new QueueClosedError(this.#host.queueName);
    if (this.#state !== "held") throw new LeaseLostError(String(this.jobId), `cannot ${action}: ${this.#lostBecause}`);
    if (!this.#session.isOpen) {
      const reason = "the connection that reserved it closed, so beanstalkd put the job back";
      this.#finish(reason);
      throw new LeaseLostError(String(this.jobId), `cannot ${action}: ${reason}`);
    }
  }

  async #settle(action: string, command: () => Promise<unknown>): Promise<void> {
    this.#finish("already settled");
    try {
      await command();
    } catch (err) {
      throw this.#map(action, err);
    }
  }

  #finish(reason: string): void {
    if (this.#state === "done") return;
    this.#state = "done";
    this.#host.leases.unwatch(this);
    this.#lostBecause = reason;
    this.#host.finished(this);
  }

  /** NOT_FOUND and a lost socket both mean the job is no longer ours. */
  #map(action: string, err: unknown): unknown {
    const id = String(this.jobId);
    if (this.#host.isClosed()) return new QueueClosedError(this.#host.queueName, { cause: err });
    if (err instanceof BeanstalkCommandError && err.reply === "NOT_FOUND") {
      return new LeaseLostError(id, `cannot ${action}: the lease ran out and the job was handed out again, or it was deleted`, {
        cause: err,
      });
    }
    if (err instanceof ConnectionError || err instanceof TimeoutError) {
      return new LeaseLostError(id, `cannot ${action}: the connection that reserved it was lost, so beanstalkd put the job back`, {
        cause: err,
      });
    }
    return err;
  }
}
