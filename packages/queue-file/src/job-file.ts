/**
 * Reading job files on the hot path of `reserve`: without following a stranger's symlink,
 * blocking on a FIFO, loading an oversize file, or paying a thread-pool round trip for what the
 * kernel serves from its caches.
 */
import { closeSync, constants, fstatSync, openSync, read, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { promisify } from "node:util";
import { errnoCode, FileSystemError, isNotFound } from "./errors.js";

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

const notRegular = (error: unknown): boolean => {
  const code = errnoCode(error);
  return code === "EISDIR" || code === "EAGAIN" || code === "ESPIPE";
};

/**
 * Reads a job file, up to `maxBytes`. The open and the first read of 16 KiB are direct system
 * calls rather than round trips through libuv's thread pool: this is the hot path of `reserve`,
 * and the kernel serves both from its caches (a file written moments ago, read with
 * `O_NOATIME`). They cost less CPU than the thread-pool round trip they replace.
 * Whatever writes (create, write, fsync, rename, unlink) may wait on the file system's journal
 * and stays asynchronous.
 *
 * Symlinks are refused (`O_NOFOLLOW`), FIFOs never block (`O_NONBLOCK`), directories fail the
 * read. `ENOENT` is thrown as is: the caller lost a race and decides what it means.
 */
export async function readJobFile(path: string, maxBytes: number): Promise<ReadResult> {
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
  try {
    const want = Math.min(FIRST_READ_BYTES, maxBytes + 1);
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, sharedHead, 0, want, 0);
      // Only an empty read needs a closer look: an empty file, or a FIFO with no writer.
      if (bytesRead === 0 && !fstatSync(fd).isFile()) return { problem: "is not a regular file" };
    } catch (error) {
      if (notRegular(error)) return { problem: "is not a regular file" };
      throw new FileSystemError("read", path, error);
    }
    // Copied at once: the shared buffer serves the next reserve, maybe before this one is done.
    const head = Buffer.from(sharedHead.subarray(0, bytesRead));
    return bytesRead < want ? { bytes: head } : await readRest(fd, head, path, maxBytes);
  } finally {
    closeSync(fd);
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
