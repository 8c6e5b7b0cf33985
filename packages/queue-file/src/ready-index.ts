/**
 * What one process knows about `ready/`, kept in memory so that `reserve` takes the most urgent
 * job in O(log n) instead of listing and parsing the directory. It is fed by the journal (new
 * names) and by full listings (start-up, periodic rescan). It may be stale in one direction
 * only: it can name jobs another process already took (the claim then fails and the entry is
 * dropped), and it never invents one.
 */
import { MinHeap } from "./heap.js";
import { compareReady, parseReady, type ReadyName } from "./names.js";

/** A ready (or delayed) job: its file name and what the name says. */
export interface ReadyEntry extends ReadyName {
  readonly name: string;
}

const byDueTime = (a: ReadyEntry, b: ReadyEntry): number => a.readyAt - b.readyAt || compareReady(a, b);

export class ReadyIndex {
  /** Jobs whose time has come, most urgent first. */
  readonly #ready = new MinHeap<ReadyEntry>(compareReady);
  /** Jobs not due yet, earliest first. */
  readonly #delayed = new MinHeap<ReadyEntry>(byDueTime);
  /** Names believed to be in `ready/`, with the generation they were learnt in. Heap entries not in here are stale. */
  readonly #known = new Map<string, { readonly entry: ReadyEntry; readonly generation: number }>();
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
  add(name: string, now: number): boolean {
    if (this.#known.has(name)) return false;
    const parsed = parseReady(name);
    return parsed !== undefined && this.addEntry({ ...parsed, name }, now);
  }

  /** Learns an entry whose name was parsed already; `false` when it is known already. */
  addEntry(entry: ReadyEntry, now: number): boolean {
    const { name } = entry;
    if (this.#known.has(name)) return false;
    this.#known.set(name, { entry, generation: ++this.#generation });
    this.#bytes += name.length + 1;
    if (entry.readyAt > now) this.#delayed.push(entry);
    else this.#ready.push(entry);
    return true;
  }

  /** Removes and returns the most urgent job that is due, or `undefined`. */
  take(now: number): ReadyEntry | undefined {
    this.#promote(now);
    for (let entry = this.#ready.pop(); entry; entry = this.#ready.pop()) {
      if (this.#drop(entry.name)) return entry;
    }
    return undefined;
  }

  /** When the earliest delayed job becomes due, or `undefined` when none is known. */
  nextDueAt(): number | undefined {
    for (let top = this.#delayed.top(); top; top = this.#delayed.top()) {
      if (this.#known.has(top.name)) return top.readyAt;
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
  retain(listed: ReadonlySet<string>, since: number): void {
    for (const [name, { generation }] of this.#known) {
      if (generation <= since && !listed.has(name)) this.#drop(name);
    }
    // Stale heap entries are normally dropped as they surface; rebuild when they dominate.
    if (this.#ready.size + this.#delayed.size > 2 * this.#known.size + 1024) this.#rebuild();
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

  #rebuild(): void {
    this.#ready.clear();
    this.#delayed.clear();
    const now = Date.now();
    for (const { entry } of this.#known.values()) {
      if (entry.readyAt > now) this.#delayed.push(entry);
      else this.#ready.push(entry);
    }
  }

  #promote(now: number): void {
    for (let top = this.#delayed.top(); top && top.readyAt <= now; top = this.#delayed.top()) {
      this.#delayed.pop();
      if (this.#known.has(top.name)) this.#ready.push(top);
    }
  }
}
