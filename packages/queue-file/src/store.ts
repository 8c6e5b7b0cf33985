/**
 * The queue's state on disk and this process's view of it: listing the state directories,
 * finding a job by id, loading job files (moving bad ones aside), publishing names that entered
 * `ready/`, requeueing leases that ran out, and keeping the in-memory index of `ready/` fresh.
 */
import { lstatSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { sep } from "node:path";
import { Emitter, type TimerHandle } from "@x/core";
import { decode, type Message } from "@x/message";
import { cleanTemp } from "./cleanup.js";
import { moveAside, type StateDir } from "./corrupt.js";
import { FileSystemError, isNotFound } from "./errors.js";
import { createReport, type FileQueueEvents, type Report } from "./events.js";
import { claim, DirectorySync } from "./files.js";
import { type ReadResult, readJobFile } from "./job-file.js";
import { Journal } from "./journal.js";
import { type Layout, layoutOf, prepareLayout } from "./layout.js";
import {
  type BuriedName,
  compareBuried,
  formatReady,
  NameClock,
  parseBuried,
  parseReady,
  parseReserved,
  type ReadyName,
  type ReservedName,
} from "./names.js";
import { MAX_TTR_MS, type ResolvedOptions } from "./options.js";
import { removeProgress } from "./progress.js";
import { dueAtOf, type LearnTime, type ReadyEntry, ReadyIndex } from "./ready-index.js";
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
  /** What `queue.on()` subscribes to. */
  readonly events: Emitter<FileQueueEvents>;
  /** Sends an event to the listeners and the logger. */
  readonly report: Report;
  readonly clock: NameClock;
  readonly index = new ReadyIndex();
  readonly sleepers: Sleepers;
  readonly syncs: Readonly<Record<StateDir, DirectorySync>>;
  readonly #journal: Journal;
  /** Monotonic time of the next reap this process knows it must make. */
  #nextReapAt = -Infinity;
  /**
   * Reserved names seen here, with the monotonic time their lease ends for this process. A lease
   * is judged by how long this process has watched its name stay unchanged, not by comparing
   * the wall-clock end in the name with the wall clock: a step of the wall clock then neither
   * ends a lease early nor makes one last for ever.
   */
  #watched = new Map<string, number>();
  /** Leases this process handed out or renewed and still holds: name -> monotonic end. */
  readonly #own = new Map<string, number>();
  #compacting: Promise<void> | undefined;
  #consuming: Promise<void> | undefined;
  /** Set once the index is built: from then on this process keeps it up to date. */
  #indexed = false;
  #rescanTimer: TimerHandle;

  /** Reads the journal's new lines into the index (and starts a compaction when it is due). */
  readonly refresh = coalescing(() => this.#refresh());
  /** Requeues every job whose lease has run out. */
  readonly reap = coalescing(() => this.#reap());
  /** Lists `ready/` in full and brings the index in line with it. */
  readonly rescan = coalescing(() => this.#rescan());

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.layout = layoutOf(options.dir);
    this.events = new Emitter<FileQueueEvents>({ logger: options.logger });
    this.report = createReport(this.events, options.logger);
    this.#journal = new Journal(this.layout, this.report);
    this.clock = new NameClock(options.time);
    this.sleepers = new Sleepers(options.time);
    this.syncs = {
      ready: new DirectorySync(this.layout.ready),
      reserved: new DirectorySync(this.layout.reserved),
      buried: new DirectorySync(this.layout.buried),
    };
  }

  /** Creates or checks the directory and removes what dead processes left in `tmp/`. */
  async start(): Promise<void> {
    await prepareLayout(this.layout, this.options.fsync, this.options.create);
    await cleanTemp(this.layout, this.report);
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
      if (this.options.rescanIntervalMs > 0) this.#scheduleRescan();
    })().catch((error: unknown) => {
      this.#consuming = undefined;
      throw error;
    });
    return this.#consuming;
  }

  async close(): Promise<void> {
    // After the index is built, not before: building it is what starts the timer.
    await this.#consuming?.catch(() => undefined);
    this.options.time.clearTimeout(this.#rescanTimer);
    await this.#compacting;
    await this.#journal.close();
    await Promise.all(Object.values(this.syncs).map((sync) => sync.close()));
  }

  /**
   * Lists `ready/` every `rescanIntervalMs` until closed. The next timer is set before the rescan
   * starts, so a slow listing does not stretch the period; the timer does not keep the process
   * alive.
   */
  #scheduleRescan(): void {
    const { time, rescanIntervalMs } = this.options;
    this.#rescanTimer = time.setTimeout(() => {
      this.#scheduleRescan();
      this.rescan().catch((error: unknown) => {
        this.report("error", { during: "rescan", error });
      });
    }, rescanIntervalMs);
    unrefTimer(this.#rescanTimer);
  }

  /**
   * Forgets what this process holds open or believes about the directory, after its state
   * directories vanished (the queue directory was deleted, maybe re-created): descriptors of
   * deleted directories and journal would take writes and flushes that nobody reads.
   */
  async reset(): Promise<void> {
    await Promise.all(Object.values(this.syncs).map((sync) => sync.close()));
    await this.#journal.forgetFile();
    this.#watched.clear();
    this.#own.clear();
    this.#nextReapAt = -Infinity;
  }

  /** Whether the queue directory still has its marker and every state directory. */
  layoutIntact(): boolean {
    const { root, marker, ready, reserved, buried, tmp, corrupt, progress } = this.layout;
    return [root, marker, ready, reserved, buried, tmp, corrupt, progress].every(
      (path) => statSync(path, { throwIfNoEntry: false }) !== undefined,
    );
  }

  /** The clocks now, for learning names (see {@link dueAtOf}). */
  learnTime(): LearnTime {
    return { wall: this.clock.wall(), monotonic: this.clock.monotonic(), writtenAt: this.#writtenAt };
  }

  /** When a file in `ready/` was last renamed (its change time), or `undefined` when it is gone. */
  readonly #writtenAt = (name: string): number | undefined => {
    const changed = lstatSync(this.path("ready", name), { throwIfNoEntry: false })?.ctimeMs;
    const { time } = this.options;
    return changed === undefined || time.fromFileTime === undefined ? changed : time.fromFileTime(changed);
  };

  /** Whether a job in `ready/` is delayed now, judged as the index judges it. */
  isDelayed(entry: Named<ReadyName>): boolean {
    const time = this.learnTime();
    return dueAtOf(entry, time) > time.monotonic;
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
   * this one through the index, and wakes this process's waiting reserves. Resolves to the
   * journal's error when the names could not be appended (other processes do not know them yet;
   * they are appended again with the next append); a failed flush of `ready/` is thrown.
   */
  async publishReady(names: readonly string[]): Promise<FileSystemError | undefined> {
    if (names.length === 0) return undefined;
    // Other processes may see the names before the directory is flushed: the files are complete,
    // only not yet durable, and the caller is answered after both.
    const [, journalError] = await Promise.all([this.flush("ready"), this.#journal.append(names)]);
    if (!this.#indexed) return journalError;
    const time = this.learnTime();
    for (const name of names) this.index.add(name, time);
    this.sleepers.wakeAll();
    return journalError;
  }

  /** Takes back a name whose append failed: its job left `ready/` again. */
  withdraw(name: string): void {
    this.#journal.withdraw(name);
    this.index.forget(name);
  }

  /** A fresh ready-name for a job that becomes ready now (or at `readyAt`). */
  readyName(job: { priority: number; deliveries: number; id: string }, readyAt = this.clock.wall()): string {
    return formatReady({ priority: job.priority, readyAt, seq: this.clock.nextSeq(), deliveries: job.deliveries, id: job.id });
  }

  /** Reaps first when a lease may have run out by `now` (monotonic). */
  async reapIfDue(now: number): Promise<void> {
    if (now >= this.#nextReapAt) await this.reap();
  }

  /**
   * Makes sure a lease this process handed out (or renewed) is reaped on time if its holder lets
   * it lapse: `endsAt` is monotonic.
   */
  noteLease(name: string, endsAt: number): void {
    this.#own.set(name, endsAt);
    this.#nextReapAt = Math.min(this.#nextReapAt, endsAt);
  }

  /** The lease of this name is over here (settled, renewed under another name, or lost). */
  forgetLease(name: string): void {
    this.#own.delete(name);
  }

  /** The next monotonic moment something is known to change: a delayed job falls due or a reap is due. */
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
   * read, which with several consumers on one directory serves more jobs than reading first.
   */
  async claimAndLoad(entry: ReadyEntry, reservedName: string): Promise<Loaded> {
    const from = this.path("ready", entry.name);
    // With several consumers, most names learnt from the journal are of jobs another process
    // took already. A lookup that answers "not there" without throwing is all they cost: far
    // less than a failed rename (a thread-pool round trip, and an exception with its stack trace).
    if (lstatSync(from, { throwIfNoEntry: false }) === undefined) return { missing: "gone" };
    let claimed: boolean;
    try {
      claimed = await claim(from, this.path("reserved", reservedName));
    } catch (error) {
      // Not a lost race (EROFS, EIO): the job is still in ready/, and this process must not forget it.
      this.index.addEntry(entry, this.learnTime());
      throw error;
    }
    if (!claimed) return { missing: "gone" };
    try {
      return await this.load("reserved", reservedName, entry.id, `ready/${entry.name}`);
    } catch (error) {
      // Claimed but not read (EMFILE, EIO): the job goes back to its place in line at once, not
      // when a lease nobody holds runs out.
      await this.putBack(reservedName, entry.name).catch(() => false);
      throw error;
    }
  }

  /**
   * Jobs this process claimed but could not put back (their `reserved/` name -> their `ready/`
   * name); `close()` tries again, and the lease ends for them meanwhile.
   */
  readonly stranded = new Map<string, string>();

  /**
   * Renames a job this process claimed back to the exact ready-name it had (same place in line,
   * no delivery counted). `false` when it is not in `reserved/` any more.
   */
  async putBack(reservedName: string, readyName: string): Promise<boolean> {
    try {
      const back = await claim(this.path("reserved", reservedName), this.path("ready", readyName));
      this.stranded.delete(reservedName);
      if (back) await this.publishReady([readyName]);
      return back;
    } catch (error) {
      this.stranded.set(reservedName, readyName);
      throw error;
    }
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
    return (await moveAside(this.layout, dir, name, problem, this.report, foundAs)) ? { missing: "corrupt" } : { missing: "gone" };
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

  /** The ids of every job in the queue, whatever its state: one listing of each directory. */
  async liveIds(): Promise<Set<string>> {
    const [ready, reserved, buried] = await Promise.all([this.listReady(), this.listReserved(), this.listBuried()]);
    return new Set([...ready, ...reserved, ...buried.jobs].map((entry) => entry.id));
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
      if (parsed === undefined)
        await moveAside(this.layout, dir, name, "not a file name this queue writes (a stranger's file?)", this.report);
      else entries.push({ ...parsed, name });
    }
    return entries;
  }

  async #refresh(): Promise<void> {
    if (this.#journal.hasRetries) await this.#journal.retry();
    const { lines, size, replaced } = await this.#journal.read();
    const time = this.learnTime();
    let damaged = 0;
    for (const line of lines) if (!this.index.add(line, time) && parseReady(line) === undefined) damaged++;
    // A line that is not a name was torn (a full disk) or glued to another: the names it hid are
    // in `ready/`. A replaced journal may have missed names too. Either way, list at once.
    if (damaged > 0 || replaced) await this.rescan();
    // Compact once the journal is big and mostly names of jobs that are gone: the cost (a listing
    // of ready/) is then paid for by the many appends since the last compaction.
    if (size >= this.options.journalCompactBytes && size > 4 * this.index.journalBytes && !this.#compacting) {
      this.#compacting = this.#journal
        .compact(async () => (await this.listReady()).map((entry) => entry.name), size)
        .catch((error: unknown) => {
          this.report("error", { during: "compact", error });
        })
        .finally(() => {
          this.#compacting = undefined;
        });
    }
  }

  async #rescan(): Promise<void> {
    const since = this.index.generation;
    const entries = await this.listReady();
    const time = this.learnTime();
    let added = 0;
    for (const entry of entries) if (this.index.addEntry(entry, time)) added++;
    this.index.retain(new Set(entries.map((entry) => entry.name)), since, time.monotonic);
    if (added > 0 && this.#indexed) {
      // The first listing builds the index; later ones report what the journal had missed.
      this.report("rescanned", { listed: entries.length, added });
      this.sleepers.wakeAll();
    }
  }

  async #reap(): Promise<void> {
    const now = this.clock.monotonic();
    const wall = this.clock.wall();
    let next = now + this.options.reapIntervalMs;
    const requeued: string[] = [];
    const watched = new Map<string, number>();
    const listed = new Set<string>();
    for (const entry of await this.listReserved()) {
      // First sight of a lease another process holds: what is left of it by the wall clock, but
      // never less than a whole lease of this process. A live holder renames its file (touch)
      // within its lease, so a name unchanged for that long has lapsed, even if the wall clock
      // jumped forward past its end; a backward step only makes a dead holder's job wait longer.
      listed.add(entry.name);
      const endsAt =
        this.#own.get(entry.name) ??
        this.#watched.get(entry.name) ??
        now + Math.min(Math.max(entry.leaseEndsAt - wall, this.options.ttrMs), MAX_TTR_MS);
      if (endsAt > now) {
        watched.set(entry.name, endsAt);
        next = Math.min(next, endsAt);
        continue;
      }
      const readyName = this.readyName(entry);
      // The holder may be touching or settling at this very moment: one rename wins.
      this.#own.delete(entry.name);
      if (await claim(this.path("reserved", entry.name), this.path("ready", readyName))) {
        requeued.push(readyName);
        await removeProgress(this.layout, entry);
        this.report("requeued", { id: entry.id, deliveries: entry.deliveries, leaseEndedAt: entry.leaseEndsAt });
      }
    }
    // Names no longer listed are forgotten. Own leases stay until settled, or, when a reservation
    // is abandoned and its name gone, once they are over.
    this.#watched = watched;
    for (const [name, endsAt] of this.#own) {
      if (endsAt <= now && !listed.has(name)) this.#own.delete(name);
      else if (endsAt > now) next = Math.min(next, endsAt);
    }
    this.#nextReapAt = next;
    await this.publishReady(requeued);
  }
}

export type { ReadyEntry };

/** Lets the process exit while a timer of the system time source is pending (a fake one has no `unref`). */
function unrefTimer(handle: TimerHandle): void {
  const unref = (handle as { unref?: unknown } | null)?.unref;
  if (typeof unref === "function") (unref as (this: unknown) => void).call(handle);
}
