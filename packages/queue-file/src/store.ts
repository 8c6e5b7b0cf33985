/**
 * The queue's state on disk and this process's view of it: listing the state directories,
 * finding a job by id, loading job files (moving bad ones aside), publishing names that entered
 * `ready/`, requeueing leases that ran out, and keeping the in-memory index of `ready/` fresh.
 */
import { lstatSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { sep } from "node:path";
import { decode, type Message } from "@x/message";
import { cleanTemp } from "./cleanup.js";
import { moveAside, type StateDir } from "./corrupt.js";
import { FileSystemError, isNotFound } from "./errors.js";
import { createEmitter, type Emit } from "./events.js";
import { DirectorySync, claim } from "./files.js";
import { readJobFile, type ReadResult } from "./job-file.js";
import { Journal } from "./journal.js";
import { layoutOf, prepareLayout, type Layout } from "./layout.js";
import {
  NameClock,
  compareBuried,
  formatReady,
  parseBuried,
  parseReady,
  parseReserved,
  type BuriedName,
  type ReadyName,
  type ReservedName,
} from "./names.js";
import type { ResolvedOptions } from "./options.js";
import { ReadyIndex, type ReadyEntry } from "./ready-index.js";
import { coalescing } from "./serial.js";
import { Sleepers } from "./waiting.js";


export type Named<T> = T & { readonly name: string };

/** Where a job was found. */
export type Located =
  | { readonly dir: "ready"; readonly name: string; readonly parsed: ReadyName }
  | { readonly dir: "reserved"; readonly name: string; readonly parsed: ReservedName }
  | { readonly dir: "buried"; readonly name: string; readonly parsed: BuriedName };

/** What loading a job file gave: the message, or nothing because it moved or was bad. */
export type Loaded = { readonly message: Message } | { readonly missing: "gone" | "corrupt" };

export class JobStore {
  readonly options: ResolvedOptions;
  readonly layout: Layout;
  readonly emit: Emit;
  readonly clock = new NameClock();
  readonly index = new ReadyIndex();
  readonly sleepers = new Sleepers();
  readonly syncs: Readonly<Record<StateDir, DirectorySync>>;
  readonly #journal: Journal;
  #nextReapAt = 0;
  #compacting: Promise<void> | undefined;
  #consuming: Promise<void> | undefined;
  /** Set once the index is built: from then on this process keeps it up to date. */
  #indexed = false;
  #rescanTimer: NodeJS.Timeout | undefined;

  /** Reads the journal's new lines into the index (and starts a compaction when it is due). */
  readonly refresh = coalescing(() => this.#refresh());
  /** Requeues every job whose lease has run out. */
  readonly reap = coalescing(() => this.#reap());
  /** Lists `ready/` in full and brings the index in line with it. */
  readonly rescan = coalescing(() => this.#rescan());

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.layout = layoutOf(options.dir);
    this.emit = createEmitter(options.onEvent, options.logger);
    this.#journal = new Journal(this.layout, this.emit);
    this.syncs = {
      ready: new DirectorySync(this.layout.ready),
      reserved: new DirectorySync(this.layout.reserved),
      buried: new DirectorySync(this.layout.buried),
    };
  }

  /** Creates or checks the directory and removes what dead processes left in `tmp/`. */
  async start(): Promise<void> {
    await prepareLayout(this.layout, this.options.fsync);
    await cleanTemp(this.layout, this.emit);
  }

  /**
   * Builds the index of `ready/` on the first `reserve`: a process that only produces never pays
   * for it. Journal lines written before this point name files the listing finds; later ones
   * are read as they come.
   */
  startConsuming(): Promise<void> {
    this.#consuming ??= (async () => {
      await this.#journal.skipToEnd();
      await this.rescan();
      this.#indexed = true;
      const every = this.options.rescanIntervalMs;
      if (every > 0) {
        this.#rescanTimer = setInterval(() => {
          this.rescan().catch((error: unknown) => {
            this.emit({ type: "error", during: "rescan", error });
          });
        }, every);
        this.#rescanTimer.unref();
      }
    })().catch((error: unknown) => {
      this.#consuming = undefined;
      throw error;
    });
    return this.#consuming;
  }

  async close(): Promise<void> {
    // After the index is built, not before: building it is what starts the timer.
    await this.#consuming?.catch(() => undefined);
    clearInterval(this.#rescanTimer);
    await this.#compacting;
    await this.#journal.close();
    await Promise.all(Object.values(this.syncs).map((sync) => sync.close()));
  }

  /** `path` of a file in a state directory. */
  path(dir: StateDir, name: string): string {
    // Not `join`: the directory is normalized already and the name is one of ours (no separator),
    // and `join` would scan the whole path again for each of the several calls a job makes.
    return `${this.layout[dir]}${sep}${name}`;
  }

  /** Flushes a state directory when the queue is durable. */
  async flush(dir: StateDir): Promise<void> {
    if (this.options.fsync) await this.syncs[dir].sync();
  }

  /**
   * Makes names that just entered `ready/` known: to other processes through the journal, to
   * this one through the index, and wakes this process's waiting reserves.
   */
  async publishReady(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    // Other processes may see the names before the directory is flushed: the files are complete,
    // only not yet durable, and the caller is answered after both.
    await Promise.all([this.flush("ready"), this.#journal.append(names)]);
    if (!this.#indexed) return;
    const now = Date.now();
    for (const name of names) this.index.add(name, now);
    this.sleepers.wakeAll();
  }

  /** A fresh ready-name for a job that becomes ready now (or at `readyAt`). */
  readyName(job: { priority: number; deliveries: number; id: string }, readyAt = this.clock.now()): string {
    return formatReady({ priority: job.priority, readyAt, seq: this.clock.nextSeq(), deliveries: job.deliveries, id: job.id });
  }

  /** Reaps first when a lease may have run out by `now`. */
  async reapIfDue(now: number): Promise<void> {
    if (now >= this.#nextReapAt) await this.reap();
  }

  /** Makes sure a lease this process handed out is reaped on time if its holder lets it lapse. */
  noteLease(leaseEndsAt: number): void {
    this.#nextReapAt = Math.min(this.#nextReapAt, leaseEndsAt);
  }

  /** The next moment something is known to change: a delayed job falls due or a reap is due. */
  nextEventAt(): number {
    return Math.min(this.index.nextDueAt() ?? Infinity, this.#nextReapAt);
  }

  /**
   * Loads a job file. A file that is not a valid job of this id is moved aside and reported
   * (as found at `foundAs`, by default where it is); a file that vanished meanwhile (another
   * process moved it) is `gone`.
   */
  async load(dir: StateDir, name: string, id: string, foundAs?: string): Promise<Loaded> {
    let read: ReadResult;
    try {
      read = await readJobFile(this.path(dir, name), this.options.maxJobBytes);
    } catch (error) {
      if (isNotFound(error)) return { missing: "gone" };
      throw error;
    }
    return this.#check(read, dir, name, id, foundAs);
  }

  /**
   * Claims a ready job (renames it into `reserved/` under `reservedName`), then reads it. The
   * rename comes first: a job another process takes meanwhile costs one failed rename and no
   * read (4 processes on one directory: 3 % more jobs/s than reading first).
   */
  async claimAndLoad(entry: ReadyEntry, reservedName: string): Promise<Loaded> {
    const from = this.path("ready", entry.name);
    // With several consumers, most names learnt from the journal are of jobs another process
    // took already. A lookup that answers "not there" without throwing is all they cost: far
    // less than a failed rename (a thread-pool round trip, and an exception with its stack trace).
    if (lstatSync(from, { throwIfNoEntry: false }) === undefined) return { missing: "gone" };
    if (!(await claim(from, this.path("reserved", reservedName)))) return { missing: "gone" };
    return this.load("reserved", reservedName, entry.id, `ready/${entry.name}`);
  }

  /** Turns what was read into a message, or moves the file aside with the reason it is not one. */
  async #check(read: ReadResult, dir: StateDir, name: string, id: string, foundAs = `${dir}/${name}`): Promise<Loaded> {
    let problem: string;
    if ("bytes" in read) {
      try {
        const message = decode(read.bytes, { maxBytes: this.options.maxJobBytes });
        if (message.id === id) return { message };
        problem = `the file name says id ${id} but the content says ${message.id}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
    } else {
      problem = read.problem;
    }
    return (await moveAside(this.layout, dir, name, problem, this.emit, foundAs)) ? { missing: "corrupt" } : { missing: "gone" };
  }

  async listReady(): Promise<Named<ReadyName>[]> {
    return this.#list("ready", parseReady);
  }

  async listReserved(): Promise<Named<ReservedName>[]> {
    return this.#list("reserved", parseReserved);
  }

  /** Buried jobs, first buried first, and the names of the bury-reason files. */
  async listBuried(): Promise<{ jobs: Named<BuriedName>[]; reasons: Set<string> }> {
    const all = await this.#list("buried", parseBuried);
    const jobs = all.filter((entry) => entry.kind === "job").sort(compareBuried);
    const reasons = new Set(all.filter((entry) => entry.kind === "reason").map((entry) => entry.name));
    return { jobs, reasons };
  }

  /** Finds a job by id in any state. Lists the directories: O(jobs), unlike `reserve`. */
  async find(id: string): Promise<Located | undefined> {
    const [ready, reserved, buried] = await Promise.all([this.listReady(), this.listReserved(), this.listBuried()]);
    const inReady = ready.find((entry) => entry.id === id);
    if (inReady) return { dir: "ready", name: inReady.name, parsed: inReady };
    const inReserved = reserved.find((entry) => entry.id === id);
    if (inReserved) return { dir: "reserved", name: inReserved.name, parsed: inReserved };
    const inBuried = buried.jobs.find((entry) => entry.id === id);
    if (inBuried) return { dir: "buried", name: inBuried.name, parsed: inBuried };
    return undefined;
  }

  /** How many files were moved aside to `corrupt/`. */
  async countCorrupt(): Promise<number> {
    const names = await readdir(this.layout.corrupt).catch((error: unknown) => {
      throw new FileSystemError("list", this.layout.corrupt, error);
    });
    return names.filter((name) => !name.endsWith(".reason.json")).length;
  }

  /** Lists a state directory; names this queue does not write are moved aside as strangers. */
  async #list<T>(dir: StateDir, parse: (name: string) => T | undefined): Promise<Named<T>[]> {
    let names: string[];
    try {
      names = await readdir(this.layout[dir]);
    } catch (error) {
      throw new FileSystemError("list", this.layout[dir], error);
    }
    const entries: Named<T>[] = [];
    for (const name of names) {
      const parsed = parse(name);
      if (parsed === undefined) await moveAside(this.layout, dir, name, "not a file name this queue writes (a stranger's file?)", this.emit);
      else entries.push({ ...parsed, name });
    }
    return entries;
  }

  async #refresh(): Promise<void> {
    const { lines, size } = await this.#journal.read();
    const now = Date.now();
    for (const line of lines) this.index.add(line, now);
    // Compact once the journal is big and mostly names of jobs that are gone: the cost (a listing
    // of ready/) is then paid for by the many appends since the last compaction.
    if (size >= this.options.journalCompactBytes && size > 4 * this.index.journalBytes && !this.#compacting) {
      this.#compacting = this.#journal
        .compact(async () => (await this.listReady()).map((entry) => entry.name), size)
        .catch((error: unknown) => {
          this.emit({ type: "error", during: "compact", error });
        })
        .finally(() => {
          this.#compacting = undefined;
        });
    }
  }

  async #rescan(): Promise<void> {
    const since = this.index.generation;
    const entries = await this.listReady();
    const now = Date.now();
    let added = 0;
    for (const entry of entries) if (this.index.addEntry(entry, now)) added++;
    this.index.retain(new Set(entries.map((entry) => entry.name)), since);
    if (added > 0 && this.#indexed) {
      // The first listing builds the index; later ones report what the journal had missed.
      this.emit({ type: "rescanned", listed: entries.length, added });
      this.sleepers.wakeAll();
    }
  }

  async #reap(): Promise<void> {
    const now = Date.now();
    let next = now + this.options.reapIntervalMs;
    const requeued: string[] = [];
    for (const entry of await this.listReserved()) {
      if (entry.leaseEndsAt > now) {
        next = Math.min(next, entry.leaseEndsAt);
        continue;
      }
      const readyName = this.readyName(entry);
      // The holder may be touching or settling at this very moment: one rename wins.
      if (await claim(this.path("reserved", entry.name), this.path("ready", readyName))) {
        requeued.push(readyName);
        this.emit({ type: "requeued", id: entry.id, deliveries: entry.deliveries, leaseEndedAt: entry.leaseEndsAt });
      }
    }
    this.#nextReapAt = next;
    await this.publishReady(requeued);
  }
}

export type { ReadyEntry };
