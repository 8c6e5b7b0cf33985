/**
 * What one process knows about `ready/`, kept in memory so that `reserve` takes the most urgent
 * job in O(log n) instead of listing and parsing the directory. It is fed by the journal (new
 * names) and by full listings (start-up, periodic rescan). It may be stale in one direction
 * only: it can name jobs another process already took (the claim then fails and the entry is
 * dropped), and it never invents one.
 *
 * Due times are kept on the monotonic clock: the wall-clock due time in a name is turned into
 * "due in so many milliseconds" when the name is learnt, so a later step of the wall clock
 * neither hides a job that was due nor lets a delayed one out early. A job due when learnt stays due.
 */
import { MinHeap } from "./heap.js";
import { compareReady, parseReady, type ReadyName } from "./names.js";

/** A ready (or delayed) job: its file name and what the name says. */
export interface ReadyEntry extends ReadyName {
  readonly name: string;
}

/** An entry with the monotonic time it falls due in this process. */
interface Indexed extends ReadyEntry {
  readonly dueAt: number;
}

/**
 * The clocks at the moment a name is learnt, and when its file was written (the file's change
 * time: the kernel's wall clock at the rename that made it ready), asked only for names that
 * look delayed.
 */
export interface LearnTime {
  readonly wall: number;
  readonly monotonic: number;
  writtenAt(name: string): number | undefined;
}

/**
 * The monotonic time a job falls due. A name whose due time is not past by the wall clock is
 * delayed for the difference, unless its file was written at or after that due time: then it was
 * ready when written, and only a backward step of the wall clock makes it look delayed.
 */
export function dueAtOf(entry: ReadyEntry, time: LearnTime): number {
  if (entry.readyAt <= time.wall) return time.monotonic;
  const written = time.writtenAt(entry.name);
  if (written !== undefined && entry.readyAt <= written + FILE_TIME_SLACK_MS) return time.monotonic;
  // After a backward step, the time since the write is unknown: the delay counts from the write.
  return time.monotonic + entry.readyAt - Math.max(time.wall, written ?? time.wall);
}

/**
 * File times come from the kernel's coarse clock, up to a tick (1-10 ms) behind the clock read
 * just before the rename: a file written within this much after its due time was ready when written.
 */
export const FILE_TIME_SLACK_MS = 20;

const byDueTime = (a: Indexed, b: Indexed): number => a.dueAt - b.dueAt || compareReady(a, b);

export class ReadyIndex {
  /** Jobs whose time has come, most urgent first. */
  readonly #ready = new MinHeap<Indexed>(compareReady);
  /** Jobs not due yet, earliest first. */
  readonly #delayed = new MinHeap<Indexed>(byDueTime);
  /** Names believed to be in `ready/`, with the generation they were learnt in. Heap entries not in here are stale. */
  readonly #known = new Map<string, { readonly entry: Indexed; readonly generation: number }>();
  #generation = 0;
  /** Total length of the known names: what a compacted journal of them would weigh. */
  #bytes = 0;

  /** How many names the index believes are in `ready/`. */
  get size(): number {
    return this.#known.size;
  }

  /** Bytes a journal listing just the known names would take (newlines included). */
  get journalBytes(): number {
    return this.#bytes;
  }

  /** A counter that {@link retain} uses to tell names learnt during a listing from older ones. */
  get generation(): number {
    return this.#generation;
  }

  /** Learns a name; `false` when it is not a ready-job name or is known already. */
  add(name: string, time: LearnTime): boolean {
    if (this.#known.has(name)) return false;
    const parsed = parseReady(name);
    return parsed !== undefined && this.addEntry({ ...parsed, name }, time);
  }

  /** Learns an entry whose name was parsed already; `false` when it is known already. */
  addEntry(entry: ReadyEntry, time: LearnTime): boolean {
    const { name } = entry;
    if (this.#known.has(name)) return false;
    const indexed: Indexed = { ...entry, dueAt: dueAtOf(entry, time) };
    this.#known.set(name, { entry: indexed, generation: ++this.#generation });
    this.#bytes += name.length + 1;
    if (indexed.dueAt > time.monotonic) this.#delayed.push(indexed);
    else this.#ready.push(indexed);
    return true;
  }

  /** Removes and returns the most urgent job that is due at monotonic time `now`, or `undefined`. */
  take(now: number): ReadyEntry | undefined {
    this.#promote(now);
    for (let entry = this.#ready.pop(); entry; entry = this.#ready.pop()) {
      if (this.#drop(entry.name)) return entry;
    }
    return undefined;
  }

  /** When (monotonic) the earliest delayed job becomes due, or `undefined` when none is known. */
  nextDueAt(): number | undefined {
    for (let top = this.#delayed.top(); top; top = this.#delayed.top()) {
      if (this.#known.has(top.name)) return top.dueAt;
      this.#delayed.pop();
    }
    return undefined;
  }

  /** Forgets a name (the job was deleted or claimed by this process some other way). */
  forget(name: string): void {
    this.#drop(name);
  }

  /**
   * After a full listing that started at generation `since`: forgets the names learnt before it
   * that the listing did not find (other processes took them). Names learnt during the listing
   * are kept: the listing may have passed their place before they arrived.
   */
  retain(listed: ReadonlySet<string>, since: number, now: number): void {
    for (const [name, { generation }] of this.#known) {
      if (generation <= since && !listed.has(name)) this.#drop(name);
    }
    // Stale heap entries are normally dropped as they surface; rebuild when they dominate.
    if (this.#ready.size + this.#delayed.size > 2 * this.#known.size + 1024) this.#rebuild(now);
  }

  clear(): void {
    this.#known.clear();
    this.#bytes = 0;
    this.#ready.clear();
    this.#delayed.clear();
  }

  #drop(name: string): boolean {
    if (!this.#known.delete(name)) return false;
    this.#bytes -= name.length + 1;
    return true;
  }

  #rebuild(now: number): void {
    this.#ready.clear();
    this.#delayed.clear();
    for (const { entry } of this.#known.values()) {
      if (entry.dueAt > now) this.#delayed.push(entry);
      else this.#ready.push(entry);
    }
  }

  #promote(now: number): void {
    for (let top = this.#delayed.top(); top && top.dueAt <= now; top = this.#delayed.top()) {
      this.#delayed.pop();
      if (this.#known.has(top.name)) this.#ready.push(top);
    }
  }
}
