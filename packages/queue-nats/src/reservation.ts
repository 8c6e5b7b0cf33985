import type { TimeSource } from "@x/core";
import {
  encodeProgress,
  InvalidArgumentError,
  type JsonValue,
  LeaseLostError,
  type Message,
  normalizePriority,
  type ReleaseOptions,
  type Reservation,
  withHeader,
} from "@x/message";

/** Where a settled job's new copy goes, for `release` with a delay or a new priority, and `bury`. */
export type Destination =
  | { readonly kind: "ready" }
  | { readonly kind: "delayed"; readonly dueAt: number }
  | { readonly kind: "buried"; readonly reason: string; readonly at: number };

/** What a reservation needs from its queue. */
export interface ReservationHost {
  readonly time: TimeSource;
  /** Throws `QueueClosedError` once the queue is closed. */
  checkOpen(): void;
  /** Sends an acknowledgement (`+ACK`, `-NAK`, `+WPI`) and waits for JetStream to confirm it. */
  acknowledge(ackSubject: string, body: string): Promise<void>;
  /**
   * Whether `delete()` removed the job's copy, as the stream's leader knows it when asked (a delete
   * that completed before the call is seen; one running alongside may go either way).
   */
  deleted(sequence: number): Promise<boolean>;
  /** Stores a new copy of the job (confirmed) before the held one is acknowledged away. */
  store(message: Message, destination: Destination, enqueuedAt: number): Promise<void>;
  /** Keeps the JSON text of a held copy's progress (confirmed). */
  saveProgress(sequence: number, text: string): Promise<void>;
  /** Drops a settled copy's progress; a failure leaves an orphan that nothing reads. */
  clearProgress(sequence: number): Promise<void>;
  /** The reservation is over; the queue stops tracking it. */
  settled(reservation: NatsReservation): void;
}

/**
 * A job handed out by a band consumer. JetStream does not refuse the acknowledgement of a
 * delivery whose ack wait ran out, nor of a message deleted meanwhile, so the lease is also kept
 * here: on the monotonic clock, from a moment before the pull (JetStream's own clock starts later,
 * so ours never ends after JetStream's), and with a check that `delete()` did not remove the copy.
 * Acknowledgements that only end or extend the hold (`+ACK`, `-NAK`, `+WPI`) are harmless on a
 * deleted copy, so the check goes alongside them; what stores a new copy (a move, a burial,
 * progress) checks first, so a deleted job is never stored again.
 */
export class NatsReservation implements Reservation {
  readonly message: Message;
  readonly leaseMs: number;
  readonly sequence: number;
  readonly enqueuedAt: number;
  #ackSubject: string;
  #host: ReservationHost;
  #leaseEndsAt: number;
  #over: string | undefined;
  #hasProgress = false;

  constructor(
    host: ReservationHost,
    init: { message: Message; leaseMs: number; sequence: number; ackSubject: string; pulledAt: number; enqueuedAt: number },
  ) {
    this.#host = host;
    this.message = init.message;
    this.leaseMs = init.leaseMs;
    this.sequence = init.sequence;
    this.enqueuedAt = init.enqueuedAt;
    this.#ackSubject = init.ackSubject;
    this.#leaseEndsAt = init.pulledAt + init.leaseMs;
  }

  /** When the lease ends, on the host's monotonic clock. */
  get leaseEndsAt(): number {
    return this.#leaseEndsAt;
  }

  /** Whether ack/release/bury/touch still apply. */
  get held(): boolean {
    return this.#over === undefined && this.#host.time.now() < this.#leaseEndsAt;
  }

  async ack(): Promise<void> {
    this.#take("acknowledged");
    await this.#alongsideCheck(this.#host.acknowledge(this.#ackSubject, "+ACK"));
    await this.#dropProgress();
  }

  async release(options: ReleaseOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidArgumentError("delayMs", `must be a finite number of milliseconds of at least 0, got ${String(delayMs)}`);
    }
    const priority = options.priority === undefined ? this.message.header.priority : normalizePriority(options.priority);
    this.#take("released");
    if (delayMs === 0 && priority === this.message.header.priority) {
      await this.#alongsideCheck(this.#host.acknowledge(this.#ackSubject, "-NAK"));
      await this.#dropProgress();
      return;
    }
    await this.#mustNotBeDeleted();
    // A new priority means another band, and a delay must not look reserved: a new copy, then the old one goes.
    const next = withHeader(this.message, { priority, attempts: this.message.header.attempts + 1 });
    const destination: Destination = delayMs === 0 ? { kind: "ready" } : { kind: "delayed", dueAt: this.#host.time.wallNow() + delayMs };
    await this.#host.store(next, destination, this.enqueuedAt);
    await this.#host.acknowledge(this.#ackSubject, "+ACK");
    await this.#dropProgress();
  }

  async bury(reason: string): Promise<void> {
    if (typeof reason !== "string") throw new InvalidArgumentError("reason", "must be a string");
    this.#take("buried");
    await this.#mustNotBeDeleted();
    const next = withHeader(this.message, { attempts: this.message.header.attempts + 1 });
    await this.#host.store(next, { kind: "buried", reason, at: this.#host.time.wallNow() }, this.enqueuedAt);
    await this.#host.acknowledge(this.#ackSubject, "+ACK");
    await this.#dropProgress();
  }

  async touch(): Promise<void> {
    this.#check();
    const startedAt = this.#host.time.now();
    await this.#alongsideCheck(this.#host.acknowledge(this.#ackSubject, "+WPI"));
    this.#leaseEndsAt = startedAt + this.leaseMs;
  }

  async progress(value: JsonValue): Promise<void> {
    const text = encodeProgress(value);
    this.#check();
    const startedAt = this.#host.time.now();
    await this.#mustNotBeDeleted();
    await this.#host.saveProgress(this.sequence, text);
    this.#hasProgress = true;
    await this.#host.acknowledge(this.#ackSubject, "+WPI");
    this.#leaseEndsAt = startedAt + this.leaseMs;
  }

  async #dropProgress(): Promise<void> {
    if (this.#hasProgress) await this.#host.clearProgress(this.sequence);
  }

  /** Given back by `close()`: JetStream hands the job out again at once. */
  async giveBack(): Promise<void> {
    if (!this.held) return;
    this.#over = "the queue was closed";
    this.#host.settled(this);
    await this.#host.acknowledge(this.#ackSubject, "-NAK");
  }

  /** Marks the reservation lost (its job was deleted through this adapter). */
  lose(reason: string): void {
    this.#over ??= reason;
    this.#host.settled(this);
  }

  #check(): void {
    this.#host.checkOpen();
    if (this.#over !== undefined) throw new LeaseLostError(this.message.id, `it was already ${this.#over}`);
    if (this.#host.time.now() >= this.#leaseEndsAt) throw new LeaseLostError(this.message.id, "the lease ran out");
  }

  /** Checks, then settles at once, so two calls racing each other cannot both act. */
  #take(how: string): void {
    this.#check();
    this.#over = how;
    this.#host.settled(this);
  }

  async #mustNotBeDeleted(): Promise<void> {
    if (await this.#host.deleted(this.sequence)) this.#lostToDelete();
  }

  /**
   * Waits for an acknowledgement and, asked at the same moment, the check for a deletion: a
   * `delete()` that completed before this call has left its mark on the stream's leader already.
   */
  async #alongsideCheck(acknowledged: Promise<void>): Promise<void> {
    const deleted = this.#host.deleted(this.sequence);
    // Handled below; an acknowledgement that fails first must not leave it unhandled.
    deleted.catch(() => undefined);
    await acknowledged;
    if (await deleted) this.#lostToDelete();
  }

  #lostToDelete(): never {
    this.#over = "deleted";
    throw new LeaseLostError(this.message.id, "the job was deleted");
  }
}
