/**
 * The errors of `@x/queue-file`. Every failure a caller of the queue contract can act on in the
 * same way whatever the backend is one of `@x/message`'s shared classes (`InvalidArgumentError`,
 * `LeaseLostError`, `QueueClosedError`, `JobTooBigError`). What only a file queue knows (which
 * file, which directory, which system call) is a {@link FileQueueError}: one base class with a
 * code of its own per class, so callers branch on `instanceof` or `code`.
 */
import { AdapterError } from "@x/message";

/** The `code` of every {@link FileQueueError}, unique across the toolkit. */
export type FileQueueErrorCode =
  | "ERR_X_FILE_QUEUE_CORRUPT_JOB"
  | "ERR_X_FILE_QUEUE_FILE_SYSTEM"
  | "ERR_X_FILE_QUEUE_FOREIGN_DIRECTORY"
  | "ERR_X_FILE_QUEUE_ID_LOCKED"
  | "ERR_X_FILE_QUEUE_NOT_FOUND";

/**
 * Base class of the errors only a file queue has. It is an `AdapterError` of `@x/message` with a
 * code of its own per class, so code written for any queue catches it as a backend failure.
 */
export class FileQueueError extends AdapterError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: FileQueueErrorCode;

  constructor(code: FileQueueErrorCode, message: string, options?: ErrorOptions) {
    super(message, options, code);
  }
}

/**
 * A file in the queue directory that is not a job this queue can serve: garbage, invalid JSON,
 * a truncated write, a name that does not parse, a symlink, a directory. It is never thrown to a
 * caller of the queue: the file is moved to `corrupt/`, the error is reported in the `corrupt`
 * event, and the queue goes on serving the other jobs.
 */
export class CorruptJobError extends FileQueueError {
  /** Path of the file, relative to the queue directory (`ready/…`). */
  readonly file: string;
  /** Why the file was rejected. */
  readonly reason: string;

  constructor(file: string, reason: string, options?: ErrorOptions) {
    super("ERR_X_FILE_QUEUE_CORRUPT_JOB", `corrupt job file ${file}: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** A file-system call failed for a reason other than a lost race (EACCES, ENOSPC, EROFS, ...). */
export class FileSystemError extends FileQueueError {
  /** The Node error code (`EACCES`), when there is one. */
  readonly syscallCode: string | undefined;
  /** The path the call was about. */
  readonly path: string;

  constructor(action: string, path: string, cause: unknown) {
    const code = errnoCode(cause);
    super("ERR_X_FILE_QUEUE_FILE_SYSTEM", `file queue: cannot ${action} ${path}${code === undefined ? "" : ` (${code})`}`, { cause });
    this.syscallCode = code;
    this.path = path;
  }
}

/**
 * The queue directory holds something other than a queue of this format: a format marker of
 * another format or version, a marker that is not a small regular file, or, in a directory
 * without a marker, files that are not the queue's. The directory is refused rather than
 * misread, cluttered with the queue's sub-directories, or swept of files that look like the
 * queue's left-overs.
 */
export class ForeignDirectoryError extends FileQueueError {
  /** The queue directory, as given in the options. */
  readonly path: string;
  /** What was found there. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super("ERR_X_FILE_QUEUE_FOREIGN_DIRECTORY", `file queue: refusing to use ${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Another `enqueue` with the same caller-chosen id holds the id's lock (it is checking that no
 * live job has that id): a transient condition, worth retrying shortly. A lock left by a process
 * that died is broken at once instead; this error means its holder is alive (or, on another host,
 * cannot be judged and the lock is less than a minute old).
 */
export class IdLockedError extends FileQueueError {
  /** The id being enqueued. */
  readonly id: string;
  /** The pid in the lock file, when it names one. */
  readonly holderPid: number | undefined;
  /** Always `true`: the same call may succeed a moment later. */
  readonly transient = true;

  constructor(id: string, holderPid: number | undefined) {
    super(
      "ERR_X_FILE_QUEUE_ID_LOCKED",
      `file queue: a job with id ${id} is being enqueued right now${holderPid === undefined ? "" : ` by process ${holderPid}`}; retry shortly`,
    );
    this.id = id;
    this.holderPid = holderPid;
  }
}

/**
 * The queue was opened with `create: false` and its directory does not exist, or holds no
 * queue (no `queue-file.json` format marker). Nothing was created: every call of that queue
 * rejects with this error until the queue exists.
 */
export class FileQueueNotFoundError extends FileQueueError {
  /** The queue directory, as given in the options. */
  readonly path: string;

  constructor(path: string, what: string, options?: ErrorOptions) {
    super("ERR_X_FILE_QUEUE_NOT_FOUND", `file queue: no queue at ${path}: ${what} (opened with create: false)`, options);
    this.path = path;
  }
}

/** The `code` of a Node system error (`ENOENT`), or `undefined`. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}

/** Whether a system error says the file is not there (any more): a race another holder won. */
export function isNotFound(error: unknown): boolean {
  return errnoCode(error) === "ENOENT";
}
