/**
 * The file-system primitives the queue is built from: writing a file so that no reader ever sees
 * it half-written, the rename that claims a job, and flushing a directory once for many writers.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fchmodSync, fstatSync, fsync, open as openCallback, readFileSync, write, writeSync } from "node:fs";
import { link, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { errnoCode, FileSystemError, isNotFound } from "./errors.js";
import { coalescing } from "./serial.js";

/** Temp names count up from a random start: unique within the process without a random draw per file. */
let lastTemp = randomBytes(4).readUInt32BE(0);
const writerTag = process.pid.toString(36);

/** A temp file name that says which process wrote it, so left-overs of dead processes can be removed. */
export function tempName(suffix = "tmp"): string {
  lastTemp = (lastTemp + 1) >>> 0;
  return `${writerTag}-${lastTemp.toString(16).padStart(8, "0")}.${suffix}`;
}

/** Parses {@link tempName}: the writer's pid, or `undefined` for a name we did not make. */
export function tempWriter(name: string): number | undefined {
  const m = /^([0-9a-z]{1,8})-[0-9a-f]{8}\.(?:tmp|journal)$/.exec(name);
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 36);
}

/**
 * Whether a process with this pid is alive on this machine. A zombie (killed, not yet reaped by
 * its parent: a SIGKILLed process whose parent is busy, or any child of a container's init that
 * does not reap) answers signal 0 but will never release a lock: on Linux its state in
 * `/proc/<pid>/stat` says so.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${String(pid)}/stat`, "latin1");
  } catch {
    return false; // no /proc (macOS), or gone meanwhile: the next look decides
  }
  // "<pid> (<command, may hold spaces and parentheses>) <state> ...": the state follows the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
}

const openAsync = promisify(openCallback);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

/** Up to this size a new file is written with a direct call (see {@link writeAll}). */
const DIRECT_WRITE_BYTES = 64 * 1024;

/**
 * Writes all of `bytes` to a new, not yet flushed file. A small write, as the journal's append,
 * is a direct call: it lands in the page cache, and the thread-pool round trip it replaces costs
 * more CPU than the write (BENCHMARKS.md has the measurements). A big one stays asynchronous, so
 * as not to hold the event loop.
 */
async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  const direct = bytes.byteLength <= DIRECT_WRITE_BYTES;
  for (let offset = 0; offset < bytes.byteLength; ) {
    const length = bytes.byteLength - offset;
    offset += direct ? writeSync(fd, bytes, offset, length, offset) : (await writeAsync(fd, bytes, offset, length, offset)).bytesWritten;
  }
}

/**
 * Whether the umask takes bits from 0600 (0277 leaves 0400: a journal nobody can append to).
 * Learnt from the first file this process creates; from then on every new file is set to 0600
 * explicitly, and under a usual umask no file costs an extra call.
 */
let umaskStripsFiles: boolean | undefined;

/** Sets a file this process just created to 0600 when the umask did not leave it so. */
export function ensureFileMode(fd: number): void {
  if (umaskStripsFiles === false) return;
  umaskStripsFiles ??= (fstatSync(fd).mode & 0o777) !== 0o600;
  if (umaskStripsFiles) fchmodSync(fd, 0o600);
}

/**
 * Writes a new file with mode 0600, flushed to the disk when `fsync` is set. On failure the
 * partial file is removed. The file is complete before anyone can rename it into view.
 */
export async function writeNewFile(path: string, data: Uint8Array | string, flush: boolean): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    fd = await openAsync(path, "wx", 0o600);
    ensureFileMode(fd);
    await writeAll(fd, bytes);
    if (flush) await fsyncAsync(fd);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    await unlink(path).catch(() => undefined);
    throw new FileSystemError("write", path, error);
  }
  // Closing a new file does not wait for the disk (only a file truncated and rewritten would):
  // a direct call, not a thread-pool round trip.
  closeSync(fd);
}

/**
 * Creates a small file that must not exist yet (a lock), mode 0600, with its content; `false` when
 * it exists. The content is written to a temp file in `tempDir` (on the same file system) first
 * and hard-linked into place, so the file never exists without it: created and then written, a
 * lock whose holder was killed between the two steps named no holder, and could not be judged
 * (nor broken) until it was old. Unlike {@link writeNewFile}, a failure never removes the path:
 * it may be another process's lock.
 */
export async function createExclusive(path: string, text: string, tempDir: string): Promise<boolean> {
  const temp = join(tempDir, tempName());
  await writeNewFile(temp, text, false);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw new FileSystemError("create", path, error);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Renames, telling a lost race (`false`: the source is gone, another process moved it first)
 * from a real failure (thrown). This is the queue's only claim primitive: of several processes
 * renaming the same source, exactly one succeeds.
 */
export async function claim(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw new FileSystemError("rename", from, error);
  }
}

/** Unlinks; `false` when the file was already gone. */
export async function remove(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw new FileSystemError("remove", path, error);
  }
}

const openDirectory = (path: string): Promise<number> => openAsync(path, constants.O_RDONLY | constants.O_DIRECTORY);

/** Flushes a directory's entries to the disk once (for directories made rarely; see {@link DirectorySync}). */
export async function syncDirectory(path: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await openDirectory(path);
    await fsyncAsync(fd);
  } catch (error) {
    throw new FileSystemError("flush the directory", path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Flushes one directory's entries to the disk, through a descriptor kept open. Callers that
 * arrive while a flush runs share the next one (see {@link coalescing}): many concurrent
 * enqueues pay for few directory fsyncs.
 */
export class DirectorySync {
  readonly #path: string;
  #fd: Promise<number> | undefined;
  /** Resolves once a flush that started after this call has finished. */
  readonly sync: () => Promise<void> = coalescing(() => this.#flush());

  constructor(path: string) {
    this.#path = path;
  }

  async #flush(): Promise<void> {
    this.#fd ??= openDirectory(this.#path);
    try {
      // A directory deleted (and maybe re-created) since it was opened: flushing the old one
      // would flush nothing anyone reads. One cheap lookup next to an fsync.
      if (fstatSync(await this.#fd).nlink === 0) {
        this.#drop();
        this.#fd = openDirectory(this.#path);
      }
      await fsyncAsync(await this.#fd);
    } catch (error) {
      this.#drop();
      throw new FileSystemError("flush the directory", this.#path, error);
    }
  }

  /** Closes the descriptor (the queue waits for its calls in progress first). */
  async close(): Promise<void> {
    const fd = await this.#fd?.catch(() => undefined);
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  #drop(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    void fd?.then(closeSync, () => undefined);
  }
}
