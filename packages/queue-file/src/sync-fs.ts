/**
 * One flush for a whole batch of new files: `syncfs(2)`, which writes out every dirty file of one
 * file system and waits for the disk. Node has no binding for it, so it runs as coreutils'
 * `sync --file-system <path>` (Linux). A batch of thousands of jobs then waits on the disk once
 * instead of once per job file, at the same durability: when the call resolves, the bytes of every
 * file written before it are on the disk.
 */
import { execFile } from "node:child_process";
import { release } from "node:os";

/** The outcome of the first call in this process: `false` where there is no `sync --file-system`. */
let available: Promise<boolean> | undefined;

/** What the command says when it does not know the option (GNU coreutils before 8.24, BSD, busybox). */
const UNKNOWN_OPTION = /unrecognized option|invalid option|illegal option|usage/i;

/** Runs `sync --file-system path`; rejects with what it reported, stderr included. */
function runSync(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("sync", ["--file-system", path], { timeout: 0, windowsHide: true }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const failure: Error = Object.assign(error, { stderr });
      reject(failure);
    });
  });
}

/**
 * Whether `syncfs(2)` reports a failed write-back on this kernel: Linux does since 5.8; before,
 * it returned success whatever happened, which would let a lost job count as durable.
 */
export function syncfsReportsErrors(kernelRelease: string): boolean {
  const [major = 0, minor = 0] = kernelRelease.split(/[.-]/).map(Number);
  return major > 5 || (major === 5 && minor >= 8);
}

/**
 * Whether {@link syncFileSystem} can be used, learnt once per process by flushing `path`'s file
 * system (harmless). A failure that is not an unknown option or a missing command (an I/O error)
 * rejects: it says nothing about availability, and the caller must not count anything as flushed.
 */
export function syncFileSystemAvailable(path: string): Promise<boolean> {
  if (process.platform !== "linux" || !syncfsReportsErrors(release())) return Promise.resolve(false);
  available ??= runSync(path).then(
    () => true,
    (error: unknown) => {
      if (isUnavailable(error)) return false;
      available = undefined;
      throw error;
    },
  );
  return available;
}

/**
 * Flushes every file of the file system holding `path`. Use only after
 * {@link syncFileSystemAvailable} said yes; a rejection means the flush failed (the files written
 * before it must not be reported durable: a later `fsync` on a new descriptor would not see an
 * error the flush already consumed).
 */
export function syncFileSystem(path: string): Promise<void> {
  return runSync(path);
}

function isUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, stderr } = error as { code?: unknown; stderr?: unknown };
  if (code === "ENOENT") return true;
  return typeof stderr === "string" && UNKNOWN_OPTION.test(stderr);
}
