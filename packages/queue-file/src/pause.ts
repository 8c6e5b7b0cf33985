/**
 * The pause marker: a file `paused` in the queue directory. Every process honours it: a `reserve`
 * looks for it before it claims a job, at most every {@link PAUSE_CHECK_MS} (a lookup the kernel
 * answers from its caches), and a pause or resume made through this process counts at once.
 * Enqueue, and everything done with jobs already reserved, ignore it.
 */
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FileSystemError } from "./errors.js";
import { claim, remove, syncDirectory, tempName, writeNewFile } from "./files.js";
import type { Layout } from "./layout.js";
import type { NameClock } from "./names.js";

/** How long a `reserve` trusts what it last saw of the marker, in ms: another process's pause or resume is seen within this. */
export const PAUSE_CHECK_MS = 20;

export class PauseMarker {
  readonly #layout: Layout;
  readonly #clock: NameClock;
  readonly #durable: boolean;
  #paused = false;
  /** Monotonic time until which {@link #paused} is trusted. */
  #freshUntil = -Infinity;

  constructor(layout: Layout, clock: NameClock, durable: boolean) {
    this.#layout = layout;
    this.#clock = clock;
    this.#durable = durable;
  }

  /** Whether the queue is paused, as seen at most {@link PAUSE_CHECK_MS} ago. */
  isPaused(): boolean {
    const now = this.#clock.monotonic();
    if (now < this.#freshUntil) return this.#paused;
    return this.#look(now);
  }

  /** Whether the queue is paused now (a fresh look at the directory). */
  isPausedNow(): boolean {
    return this.#look(this.#clock.monotonic());
  }

  /**
   * Creates the marker (complete before it is visible; again is harmless). With `fsync`, the
   * queue directory is flushed, so the pause survives a power cut.
   */
  async pause(): Promise<void> {
    const temp = join(this.#layout.tmp, tempName());
    const note = { pausedAt: new Date(this.#clock.wall()).toISOString(), by: `${hostname()}:${process.pid}` };
    await writeNewFile(temp, `${JSON.stringify(note)}\n`, this.#durable);
    if (!(await claim(temp, this.#layout.paused))) {
      throw new FileSystemError("move into place", this.#layout.paused, new Error("the temp file vanished"));
    }
    if (this.#durable) await syncDirectory(this.#layout.root);
    this.#set(true);
  }

  /** Removes the marker (resuming a queue that is not paused is harmless). */
  async resume(): Promise<void> {
    const removed = await remove(this.#layout.paused);
    if (removed && this.#durable) await syncDirectory(this.#layout.root);
    this.#set(false);
  }

  #look(now: number): boolean {
    let found: boolean;
    try {
      found = statSync(this.#layout.paused, { throwIfNoEntry: false }) !== undefined;
    } catch (error) {
      throw new FileSystemError("look for", this.#layout.paused, error);
    }
    this.#paused = found;
    this.#freshUntil = now + PAUSE_CHECK_MS;
    return found;
  }

  #set(paused: boolean): void {
    this.#paused = paused;
    this.#freshUntil = this.#clock.monotonic() + PAUSE_CHECK_MS;
  }
}
