/**
 * The journal: an append-only list of the names that entered `ready/`, one per line. It is an
 * index, not the truth (the truth is the directory): it lets every process learn about new jobs by
 * reading only what was appended since its last look, instead of listing `ready/`.
 *
 * Why nothing is lost:
 * - a writer renames the job into `ready/` first and appends its name after, so a name in the
 *   journal always names a file that was there;
 * - before appending, a writer looks up which file the path `journal` names *now*. Compaction
 *   swaps in a new file first and lists `ready/` after, so a writer that still appended to the
 *   old file had renamed its job before the listing, which therefore includes it;
 * - a writer killed between the rename and the append leaves a job that is not in the journal:
 *   the periodic full listing of `ready/` (`rescanIntervalMs`) and every process start find it.
 * - every append starts a line of its own (a leading newline) and is written in full or reported
 *   as failed: a line torn by a full disk never glues onto the next one, and a reader that meets
 *   a line that is not a name, or a journal that was replaced, lists `ready/` at once;
 * - a failed append is reported to the caller (`enqueue` then takes its job back and rejects)
 *   and its names are written again with the next append.
 * The journal is not fsynced: after a power loss the start-up listing rebuilds what it lost.
 */
import { constants, readSync, type Stats, statSync, writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { FileSystemError, isNotFound } from "./errors.js";
import type { Report } from "./events.js";
import { claim, tempName } from "./files.js";
import { openQuietly } from "./job-file.js";
import type { Layout } from "./layout.js";
import { tryLock, unlock } from "./lock-file.js";
import { coalescing, Mutex } from "./serial.js";

/** A compaction lock older than this belongs to a process that died while compacting. */
const STALE_LOCK_MS = 60_000;
// Never through a link or blocking on a FIFO: a journal that is not a regular file is refused.
const JOURNAL_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/**
 * Own lines remembered at most: a process that stopped reserving stops reading them back. Past
 * this they are forgotten, and read back later they only name jobs the index drops at once.
 */
const MAX_OWN_LINES = 65_536;
/** The journal is read in pieces of this size. */
const READ_CHUNK_BYTES = 64 * 1024;
/** Compaction writes the listing in pieces of about this size, whole lines each. */
const CHUNK_BYTES = 64 * 1024;

interface OpenJournal {
  readonly handle: FileHandle;
  readonly ino: number;
  /** Everything before this offset has been read (or skipped). */
  offset: number;
  /** Lines this process appended after `offset`: already known here, skipped when read back. */
  readonly own: Set<string>;
}

/** New lines since the last read. */
export interface JournalRead {
  /** Non-empty lines other processes appended (this process's own lines are left out). */
  readonly lines: string[];
  /** Size of the journal file after this read. */
  readonly size: number;
  /**
   * The journal is not the file read last time (a compaction replaced it, or it was deleted):
   * names may have been missed, and only a listing of `ready/` is sure to find them.
   */
  readonly replaced: boolean;
}

/** Names appended together, and why writing them failed. */
interface Batch {
  readonly names: string[];
  error?: FileSystemError;
}

export class Journal {
  readonly #layout: Layout;
  readonly #report: Report;
  readonly #mutex = new Mutex();
  #current: OpenJournal | undefined;
  #batch: Batch = { names: [] };
  /** Names whose append failed: written again, first, with the next append. */
  #retry: string[] = [];
  #closed = false;
  /** Own lines are remembered only by a process that reads the journal (see `skipToEnd`). */
  #reading = false;
  readonly #buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  readonly #flush = coalescing(() => this.#mutex.run(() => this.#writePending()));

  constructor(layout: Layout, report: Report) {
    this.#layout = layout;
    this.#report = report;
  }

  /**
   * Appends names, after their files are in `ready/`. Resolves to the error when the append
   * failed (the names are then written again with the next append, unless withdrawn), to
   * `undefined` when they are in the journal.
   */
  async append(names: readonly string[]): Promise<FileSystemError | undefined> {
    if (names.length === 0 || this.#closed) return undefined;
    const batch = this.#batch;
    batch.names.push(...names);
    await this.#flush();
    return batch.error;
  }

  /** Whether names of a failed append wait to be written again. */
  get hasRetries(): boolean {
    return this.#retry.length > 0;
  }

  /** Writes the names of failed appends again; failures are reported, not thrown. */
  async retry(): Promise<void> {
    if (this.#retry.length > 0 && !this.#closed) await this.#flush();
  }

  /** Forgets a name of a failed append (its job was taken back out of `ready/`). */
  withdraw(name: string): void {
    const at = this.#retry.indexOf(name);
    if (at >= 0) this.#retry.splice(at, 1);
  }

  /**
   * Starts reading: skips what is in the journal now (a full listing of `ready/` stands in for
   * it). From here on this process's own lines are remembered, to be skipped when read back.
   */
  skipToEnd(): Promise<void> {
    return this.#mutex.run(async () => {
      this.#reading = true;
      const { journal, size } = await this.#currentFile();
      journal.offset = size;
      journal.own.clear();
    });
  }

  /**
   * The lines other processes appended since the last call (all of the new file after a
   * compaction). Reads first and looks for a replaced file only when nothing new came: one call
   * to the file system per look while the queue is busy.
   */
  read(): Promise<JournalRead> {
    return this.#mutex.run(async () => {
      let replaced = this.#current === undefined;
      let journal = this.#current ?? (await this.#currentFile()).journal;
      let text = this.#readNew(journal);
      if (text.length === 0) {
        const current = (await this.#currentFile()).journal;
        if (current !== journal) {
          journal = current;
          replaced = true;
          text = this.#readNew(journal);
        }
      }
      // A line is complete only once its newline is there; the rest is still being written.
      const end = text.lastIndexOf("\n");
      if (end < 0) return { lines: [], size: journal.offset + text.length, replaced };
      journal.offset += end + 1;
      const lines: string[] = [];
      for (const line of text.slice(0, end).split("\n")) {
        if (line.length > 0 && !journal.own.delete(line)) lines.push(line);
      }
      return { lines, size: journal.offset, replaced };
    });
  }

  /**
   * Everything after `offset`, as text (names are ASCII). A direct read, not a thread-pool round
   * trip: the journal's tail is in the page cache, and with `O_NOATIME` reading it writes nothing.
   */
  #readNew(journal: OpenJournal): string {
    const chunks: string[] = [];
    for (let position = journal.offset; ; ) {
      let bytesRead: number;
      try {
        bytesRead = readSync(journal.handle.fd, this.#buffer, 0, this.#buffer.length, position);
      } catch (error) {
        throw new FileSystemError("read", this.#layout.journal, error);
      }
      if (bytesRead > 0) chunks.push(this.#buffer.toString("latin1", 0, bytesRead));
      position += bytesRead;
      if (bytesRead < this.#buffer.length) break;
    }
    return chunks.join("");
  }

  /**
   * Replaces the journal with a listing of `ready/`, when no other process is doing it. Swap
   * first, list after (see the module comment).
   */
  async compact(listReady: () => Promise<string[]>, sizeBefore: number): Promise<void> {
    if (this.#closed || !(await tryLock(this.#layout.journalLock, STALE_LOCK_MS, this.#layout.tmp))) return;
    try {
      const fresh = join(this.#layout.tmp, tempName("journal"));
      const handle = await openQuietly(fresh, JOURNAL_FLAGS, 0o600);
      try {
        // Whatever the umask: other processes open the journal for writing.
        await handle.chmod(0o600);
        if (!(await claim(fresh, this.#layout.journal))) return;
        const names = await listReady();
        for (let start = 0; start < names.length; ) {
          let end = start;
          let size = 0;
          while (end < names.length && size < CHUNK_BYTES) size += (names[end++] ?? "").length + 1;
          const bytes = Buffer.from(`${names.slice(start, end).join("\n")}\n`, "latin1");
          // A short write (a full disk) is completed or thrown; readers list `ready/` after a swap anyway.
          for (let written = 0; written < bytes.length; ) written += (await handle.write(bytes, written)).bytesWritten;
          start = end;
        }
        this.#report("compacted", { bytesBefore: sizeBefore, entries: names.length });
      } finally {
        await handle.close();
      }
    } finally {
      await unlock(this.#layout.journalLock);
    }
  }

  /** Drops the open file (the queue directory was re-created): the next call opens the journal afresh. */
  forgetFile(): Promise<void> {
    return this.#mutex.run(async () => {
      await this.#current?.handle.close().catch(() => undefined);
      this.#current = undefined;
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#mutex.run(async () => {
      await this.#current?.handle.close().catch(() => undefined);
      this.#current = undefined;
    });
  }

  async #writePending(): Promise<void> {
    const batch = this.#batch;
    this.#batch = { names: [] };
    if (this.#closed) return;
    const names = this.#retry.length === 0 ? batch.names : [...this.#retry, ...batch.names];
    if (names.length === 0) return;
    try {
      const { journal } = await this.#currentFile();
      // A line of its own even after a line another writer tore (a full disk): see the module comment.
      const bytes = Buffer.from(`\n${names.join("\n")}\n`, "latin1");
      // Direct calls: an append to a file that is never flushed lands in the page cache and does
      // not wait for the disk; a thread-pool round trip would cost more CPU than the write. A
      // short write (a full disk) is completed, or ends in the error of the next call.
      for (let written = 0; written < bytes.length; ) {
        const count = writeSync(journal.handle.fd, bytes, written, bytes.length - written);
        if (count <= 0) throw new Error(`the journal took ${count} of ${bytes.length - written} bytes`);
        written += count;
      }
      if (this.#reading) {
        if (journal.own.size + names.length > MAX_OWN_LINES) journal.own.clear();
        for (const name of names) journal.own.add(name);
      }
      this.#retry = [];
    } catch (error) {
      const failure = error instanceof FileSystemError ? error : new FileSystemError("append to the journal", this.#layout.journal, error);
      batch.error = failure;
      this.#retry = names;
      this.#report("error", { during: "journal", error: failure });
    }
  }

  /** The file the path `journal` names now, reopened when a compaction replaced it. */
  async #currentFile(): Promise<{ journal: OpenJournal; size: number }> {
    let stats: Stats | undefined;
    try {
      // A lookup the kernel answers from its caches: not worth a thread-pool round trip.
      stats = statSync(this.#layout.journal);
    } catch (error) {
      if (!isNotFound(error)) throw new FileSystemError("stat", this.#layout.journal, error);
    }
    const current = this.#current;
    if (current && current.ino === stats?.ino) return { journal: current, size: stats.size };
    const handle = await openQuietly(this.#layout.journal, JOURNAL_FLAGS, 0o600).catch((error: unknown) => {
      throw new FileSystemError("open", this.#layout.journal, error);
    });
    const opened = await handle.stat();
    if (!opened.isFile()) {
      await handle.close();
      throw new FileSystemError("use the journal (not a regular file):", this.#layout.journal, new Error("not a regular file"));
    }
    // A journal just created under a umask that took the owner's write bit: other processes
    // could not open it for appending.
    if (opened.size === 0 && (opened.mode & 0o600) !== 0o600 && opened.uid === process.getuid?.()) {
      await handle.chmod(0o600).catch(() => undefined);
    }
    const journal: OpenJournal = { handle, ino: opened.ino, offset: 0, own: new Set() };
    this.#current = journal;
    await current?.handle.close().catch(() => undefined);
    return { journal, size: opened.size };
  }
}
