/**
 * The file-system primitives the queue is built from: where things live, writing a file so that
 * no reader ever sees it half-written, reading a job file without following a stranger's symlink,
 * and flushing a directory once for many concurrent writers.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, fsync, open as openCallback, openSync, read, readSync, write } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { AdapterError } from "@x/message";
import { FileSystemError, errnoCode, isNotFound } from "./errors.js";
import { coalescing } from "./serial.js";

/** The directories and files of one queue. */
export interface Layout {
  readonly root: string;
  readonly ready: string;
  readonly reserved: string;
  readonly buried: string;
  readonly tmp: string;
  readonly corrupt: string;
  readonly journal: string;
  readonly journalLock: string;
  readonly marker: string;
}

/** Written once into every queue directory, so a directory of another format is refused. */
export const FORMAT_MARKER = { format: "@x/queue-file", version: 1 } as const;
const MARKER_FILE = "queue-file.json";

export function layoutOf(root: string): Layout {
  return {
    root,
    ready: join(root, "ready"),
    reserved: join(root, "reserved"),
    buried: join(root, "buried"),
    tmp: join(root, "tmp"),
    corrupt: join(root, "corrupt"),
    journal: join(root, "journal"),
    journalLock: join(root, "journal.lock"),
    marker: join(root, MARKER_FILE),
  };
}

/** Creates the directories (0700) and the format marker, or checks the marker that is there. */
export async function prepareLayout(layout: Layout): Promise<void> {
  for (const dir of [layout.ready, layout.reserved, layout.buried, layout.tmp, layout.corrupt]) await makeDirectory(dir);
  const wanted = JSON.stringify(FORMAT_MARKER);
  try {
    await writeFile(layout.marker, `${wanted}\n`, { flag: "wx", mode: 0o600 });
    return;
  } catch (error) {
    if (errnoCode(error) !== "EEXIST") throw new FileSystemError("write the format marker", layout.marker, error);
  }
  let found: unknown;
  try {
    found = JSON.parse(await readFile(layout.marker, "utf8"));
  } catch (error) {
    throw new AdapterError(`${layout.marker} is not a @x/queue-file format marker; refusing to use ${layout.root}`, { cause: error });
  }
  const marker = found as Partial<typeof FORMAT_MARKER> | null;
  if (marker?.format !== FORMAT_MARKER.format || marker.version !== FORMAT_MARKER.version) {
    throw new AdapterError(`${layout.root} holds a queue of another format (${JSON.stringify(found)}); expected ${wanted}`);
  }
}

/** How many missing parents {@link makeDirectory} creates at most. */
const MAX_PARENTS = 64;

/**
 * `mkdir -p` with mode 0700 for every directory it creates. Not `mkdir(path, { recursive: true })`:
 * on Node 20 that never returns for a path under `/proc`, and a queue must fail, not hang.
 */
export async function makeDirectory(path: string, parents = MAX_PARENTS): Promise<void> {
  /** `undefined` when the directory is there now, the `ENOENT` error when a parent is missing. */
  const attempt = async (): Promise<unknown> => {
    try {
      await mkdir(path, { mode: 0o700 });
      return undefined;
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT") return error;
      const isDirectory =
        code === "EEXIST" &&
        (await stat(path).then(
          (stats) => stats.isDirectory(),
          () => false,
        ));
      if (isDirectory) return undefined;
      throw new FileSystemError("create the queue directory", path, error);
    }
  };
  const missingParent = await attempt();
  if (missingParent === undefined) return;
  const parent = dirname(path);
  if (parent === path || parents <= 0) throw new FileSystemError("create the queue directory", path, missingParent);
  await makeDirectory(parent, parents - 1);
  // Once, not in a loop: a file system that says ENOENT with the parent there (/proc) must not hang us.
  const stillMissing = await attempt();
  if (stillMissing !== undefined) throw new FileSystemError("create the queue directory", path, stillMissing);
}

/** A temp file name that says which process wrote it, so left-overs of dead processes can be removed. */
export function tempName(suffix = "tmp"): string {
  return `${process.pid.toString(36)}-${randomBytes(4).toString("hex")}.${suffix}`;
}

/** Parses {@link tempName}: the writer's pid, or `undefined` for a name we did not make. */
export function tempWriter(name: string): number | undefined {
  const m = /^([0-9a-z]{1,8})-[0-9a-f]{8}\.(?:tmp|journal)$/.exec(name);
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 36);
}

/** Whether a process with this pid is alive on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

const openAsync = promisify(openCallback);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

/**
 * Writes a new file with mode 0600, flushed to the disk when `fsync` is set. On failure the
 * partial file is removed. The file is complete before anyone can rename it into view.
 */
export async function writeNewFile(path: string, data: Uint8Array | string, flush: boolean): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    fd = await openAsync(path, "wx", 0o600);
    for (let offset = 0; offset < bytes.byteLength; ) {
      const { bytesWritten } = await writeAsync(fd, bytes, offset, bytes.byteLength - offset, offset);
      offset += bytesWritten;
    }
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
 * `O_NOATIME` where the kernel allows it (the files are ours): reading a job or the journal then
 * never dirties an inode, which would cost a metadata write per job. Dropped for good after an
 * `EPERM` (files of another user, on a shared directory).
 */
// Undefined on macOS, where there is nothing to turn off.
let noAtime: number = (constants as Partial<typeof constants>).O_NOATIME ?? 0;

/** `openSync` with `O_NOATIME` while the kernel allows it. */
export function openQuietlySync(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags | noAtime, mode);
  } catch (error) {
    if (noAtime === 0 || errnoCode(error) !== "EPERM") throw error;
    noAtime = 0;
    return openSync(path, flags, mode);
  }
}

/** The same, asynchronous, returning a handle. */
export async function openQuietly(path: string, flags: number, mode?: number): Promise<FileHandle> {
  try {
    return await open(path, flags | noAtime, mode);
  } catch (error) {
    if (noAtime === 0 || errnoCode(error) !== "EPERM") throw error;
    noAtime = 0;
    return open(path, flags, mode);
  }
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** First read of a job file; nearly every job fits, so one read is all it takes. */
const FIRST_READ_BYTES = 16 * 1024;
const readAsync = promisify(read);
/** Every first read lands here and is copied out at its size: no 16 KiB allocation per job. */
const sharedHead = Buffer.allocUnsafe(FIRST_READ_BYTES);

/** What reading a job file found: the bytes, or why the file cannot be a job. */
export type ReadResult = { readonly bytes: Buffer } | { readonly problem: string };

/** A job file open for reading, its first bytes read already. */
export interface OpenedJobFile {
  /** The whole content (the rest is read asynchronously), or why it cannot be a job. */
  readonly content: () => Promise<ReadResult>;
  readonly close: () => void;
}

const notRegular = (error: unknown): boolean => {
  const code = errnoCode(error);
  return code === "EISDIR" || code === "EAGAIN" || code === "ESPIPE";
};

/**
 * Opens a job file and reads its first 16 KiB, as direct system calls rather than round trips
 * through libuv's thread pool. Only here, on the hot path of `reserve`, and only for calls the
 * kernel serves from its caches: a name lookup (often of a file another process just took) and
 * a read of a file written moments ago, with `O_NOATIME`. They cost microseconds; a thread-pool
 * round trip costs twenty times more CPU. Whatever writes (create, write, fsync, rename, unlink)
 * may wait on the file system's journal and stays asynchronous.
 *
 * Symlinks are refused (`O_NOFOLLOW`), FIFOs never block (`O_NONBLOCK`), directories fail the
 * read. `ENOENT` is thrown as is: the caller lost a race and decides what it means.
 */
export function openJobFileSync(path: string, maxBytes: number): OpenedJobFile | { readonly problem: string } {
  let fd: number;
  try {
    fd = openQuietlySync(path, READ_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ELOOP") return { problem: "is a symbolic link" };
    // A socket (ENXIO) or a device without a driver (ENODEV) cannot be opened as a file.
    if (code === "ENXIO" || code === "ENODEV") return { problem: "is not a regular file" };
    if (isNotFound(error)) throw error;
    throw new FileSystemError("open", path, error);
  }
  const close = (): void => {
    closeSync(fd);
  };
  try {
    const want = Math.min(FIRST_READ_BYTES, maxBytes + 1);
    const bytesRead = readSync(fd, sharedHead, 0, want, 0);
    // Only an empty read needs a closer look: an empty file, or a FIFO with no writer.
    if (bytesRead === 0 && !fstatSync(fd).isFile()) {
      close();
      return { problem: "is not a regular file" };
    }
    // Copied at once: the shared buffer serves the next reserve, maybe before this one is done.
    const head = Buffer.from(sharedHead.subarray(0, bytesRead));
    const content = async (): Promise<ReadResult> => (bytesRead < want ? { bytes: head } : readRest(fd, head, path, maxBytes));
    return { content, close };
  } catch (error) {
    close();
    if (notRegular(error)) return { problem: "is not a regular file" };
    throw new FileSystemError("read", path, error);
  }
}

/** Reads what follows a full first chunk, up to `maxBytes`. */
async function readRest(fd: number, head: Buffer, path: string, maxBytes: number): Promise<ReadResult> {
  const chunks = [head];
  let total = head.length;
  try {
    for (let size = head.length * 4; total <= maxBytes; size *= 4) {
      const chunk = Buffer.allocUnsafe(Math.min(size, maxBytes + 1 - total));
      const { bytesRead } = await readAsync(fd, chunk, 0, chunk.length, total);
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (bytesRead < chunk.length) break;
    }
  } catch (error) {
    throw new FileSystemError("read", path, error);
  }
  if (total > maxBytes) return { problem: `over the limit of ${maxBytes} bytes` };
  return { bytes: Buffer.concat(chunks, total) };
}

/** Opens, reads and closes a job file (see {@link openJobFileSync}). */
export async function readJobFile(path: string, maxBytes: number): Promise<ReadResult> {
  const opened = openJobFileSync(path, maxBytes);
  if ("problem" in opened) return opened;
  try {
    return await opened.content();
  } finally {
    opened.close();
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

/**
 * Flushes one directory's entries to the disk. Callers that arrive while a flush runs share the
 * next one (see {@link coalescing}): many concurrent enqueues pay for few directory fsyncs.
 */
export class DirectorySync {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;
  /** Resolves once a flush that started after this call has finished. */
  readonly sync: () => Promise<void> = coalescing(() => this.#flush());

  constructor(path: string) {
    this.#path = path;
  }

  async #flush(): Promise<void> {
    this.#handle ??= open(this.#path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await (await this.#handle).sync();
    } catch (error) {
      this.#handle = undefined;
      throw new FileSystemError("flush the directory", this.#path, error);
    }
  }

  /** Closes the directory handle (the queue waits for its calls in progress first). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close().catch(() => undefined);
  }
}
