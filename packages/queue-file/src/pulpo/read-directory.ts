import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkOptionKeys, InvalidOptionError, integerOption } from "@x/core";
import { DEFAULT_MAX_MESSAGE_BYTES, type Message } from "@x/message";
import { CorruptJobError } from "../errors.js";
import { decodePulpoFile, type PulpoTimeZone } from "./decode-file.js";
import { PulpoDirectoryError } from "./errors.js";

/** pulpo's file adapter: `<base>/<id>.message` waiting, `lock/<id>.message.lock` being processed. */
const READY_SUFFIX = ".message";
const LOCK_DIR = "lock";
const LOCK_SUFFIX = ".message.lock";

/** Options for {@link readPulpoDirectory}. */
export interface PulpoReadOptions {
  /**
   * How pulpo's dates, written without a time zone (`2026-12-05 16:38:06.401000`), are read:
   * `"utc"` as `@x/message`'s `decode` reads them, `"local"` in this machine's time zone (what
   * pulpo meant, since it writes `datetime.now()`, when it ran in that zone). Dates with a zone
   * are read as written either way. @default "utc"
   */
  readonly timeZone?: PulpoTimeZone;
  /** A job file larger than this is reported `corrupt` without being read. @default DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxBytes?: number;
}

/** A job of a pulpo directory that reads as a message. */
export interface PulpoJob {
  /** `"ready"`: `<base>/<id>.message`, waiting; `"locked"`: `lock/<id>.message.lock`, taken by a pulpo worker. */
  readonly state: "ready" | "locked";
  /** The job's id: the file's name without its suffix, as pulpo names it. */
  readonly id: string;
  readonly message: Message;
  /** Absolute path of the file. */
  readonly file: string;
}

/** A file of a pulpo directory that looks like a job (by its name) but does not read as one. */
export interface PulpoCorruptFile {
  readonly state: "corrupt";
  /** The id its name gives. */
  readonly id: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** Why it was refused; `error.file` is the path relative to the directory (`lock/<id>.message.lock`). */
  readonly error: CorruptJobError;
}

/** One entry of {@link readPulpoDirectory}. */
export type PulpoEntry = PulpoJob | PulpoCorruptFile;

function checkOptions(options: PulpoReadOptions): { timeZone: PulpoTimeZone; maxBytes: number } {
  checkOptionKeys(options, ["timeZone", "maxBytes"], "readPulpoDirectory");
  // Typed wider than PulpoTimeZone: JavaScript callers can pass anything.
  const timeZone: unknown = options.timeZone ?? "utc";
  if (timeZone !== "utc" && timeZone !== "local") {
    throw new InvalidOptionError("timeZone", timeZone, 'must be "utc" or "local"');
  }
  return { timeZone, maxBytes: integerOption("maxBytes", options.maxBytes, DEFAULT_MAX_MESSAGE_BYTES, 1) };
}

const errnoCode = (error: unknown): string | undefined => (error as { code?: unknown } | null)?.code as string | undefined;

/** The names in `dir` ending with `suffix`, sorted as pulpo serves them (by name); `[]` if `dir` is missing and `optional`. */
async function jobNames(dir: string, suffix: string, optional: boolean, root: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    if (optional && code === "ENOENT") return [];
    const reason =
      code === "ENOENT" ? "does not exist" : code === "ENOTDIR" ? "is not a directory" : `cannot be listed (${code ?? String(error)})`;
    throw new PulpoDirectoryError(root, dir === root ? reason : `${LOCK_DIR}/ ${reason}`, { cause: error });
  }
  return entries
    .filter((entry) => entry.name.endsWith(suffix) && entry.name.length > suffix.length)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function readEntry(
  root: string,
  relative: string,
  entry: Dirent,
  state: PulpoJob["state"],
  id: string,
  timeZone: PulpoTimeZone,
  maxBytes: number,
): Promise<PulpoEntry | undefined> {
  const file = join(root, relative);
  const corrupt = (reason: string, cause?: unknown): PulpoCorruptFile => ({
    state: "corrupt",
    id,
    file,
    error: new CorruptJobError(relative, reason, cause === undefined ? undefined : { cause }),
  });
  // A symlink or a directory is not what pulpo writes; following it could read anything.
  if (!entry.isFile()) return corrupt("not a regular file");
  try {
    const size = (await stat(file)).size;
    if (size > maxBytes) return corrupt(`${size} bytes is over the limit of ${maxBytes} bytes`);
    const text = await readFile(file, "utf8");
    return { state, id, message: decodePulpoFile(text, id, timeZone), file };
  } catch (error) {
    // Gone since the listing: a pulpo worker still running took or archived it.
    if (errnoCode(error) === "ENOENT") return undefined;
    return corrupt(error instanceof Error ? error.message : String(error), error);
  }
}

/**
 * Reads a pulpo-messaging file queue (its `FileQueueAdapter`'s `base_path`): every waiting job
 * (`<id>.message`, in pulpo's order: by file name), then every job a pulpo worker holds
 * (`lock/<id>.message.lock`, state `"locked"`). `archive/` (finished jobs) is not read. Nothing is
 * changed on disk. A file that does not read as a message is yielded as `"corrupt"` with the
 * reason, and the reading goes on. Read it while no pulpo worker runs: a job a worker moves
 * between the two listings can be missed or seen twice.
 *
 * @throws PulpoDirectoryError when `dir` is missing, not a directory, or cannot be listed.
 * @throws InvalidOptionError for bad options, before anything is read.
 *
 * @example
 * ```ts
 * for await (const entry of readPulpoDirectory("/tmp/kessel/default")) {
 *   if (entry.state === "corrupt") console.warn(entry.error.message);
 *   else console.log(entry.state, entry.id, entry.message.header.requestType);
 * }
 * ```
 */
export function readPulpoDirectory(dir: string, options: PulpoReadOptions = {}): AsyncIterable<PulpoEntry> {
  const { timeZone, maxBytes } = checkOptions(options);
  const root = resolve(dir);
  return {
    async *[Symbol.asyncIterator]() {
      const ready = await jobNames(root, READY_SUFFIX, false, root);
      const locked = await jobNames(join(root, LOCK_DIR), LOCK_SUFFIX, true, root);
      for (const entry of ready) {
        const found = await readEntry(root, entry.name, entry, "ready", entry.name.slice(0, -READY_SUFFIX.length), timeZone, maxBytes);
        if (found !== undefined) yield found;
      }
      for (const entry of locked) {
        const relative = `${LOCK_DIR}/${entry.name}`;
        const found = await readEntry(root, relative, entry, "locked", entry.name.slice(0, -LOCK_SUFFIX.length), timeZone, maxBytes);
        if (found !== undefined) yield found;
      }
    },
  };
}
