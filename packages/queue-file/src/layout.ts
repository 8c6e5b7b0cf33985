/**
 * Where a queue's files live, and making that place: the state directories (0700) and the format
 * marker that keeps a queue of another format from being misread, and a directory that is not a
 * queue at all from being taken over.
 */
import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { errnoCode, FileQueueNotFoundError, FileSystemError, ForeignDirectoryError, isNotFound } from "./errors.js";
import { claim, syncDirectory, tempName, writeNewFile } from "./files.js";
import { type ReadResult, readJobFile } from "./job-file.js";

/** The directories and files of one queue. */
export interface Layout {
  readonly root: string;
  readonly ready: string;
  readonly reserved: string;
  readonly buried: string;
  readonly tmp: string;
  readonly corrupt: string;
  /** Progress records of reserved jobs (see `progress.ts`). */
  readonly progress: string;
  readonly journal: string;
  readonly journalLock: string;
  readonly marker: string;
  /** Present while the queue is paused (see `pause.ts`). */
  readonly paused: string;
}

/** Written once into every queue directory, so a directory of another format is refused. */
export const FORMAT_MARKER = { format: "@x/queue-file", version: 1 } as const;
const MARKER_FILE = "queue-file.json";
/** A marker is a few dozen bytes; anything bigger is not ours, and is not read in full. */
const MAX_MARKER_BYTES = 4096;

export function layoutOf(root: string): Layout {
  return {
    root,
    ready: join(root, "ready"),
    reserved: join(root, "reserved"),
    buried: join(root, "buried"),
    tmp: join(root, "tmp"),
    corrupt: join(root, "corrupt"),
    progress: join(root, "progress"),
    journal: join(root, "journal"),
    journalLock: join(root, "journal.lock"),
    marker: join(root, MARKER_FILE),
    paused: join(root, "paused"),
  };
}

/** Every name the queue makes at the top of its directory. */
function ownNames(layout: Layout): Set<string> {
  const { ready, reserved, buried, tmp, corrupt, progress, journal, journalLock, marker, paused } = layout;
  return new Set([ready, reserved, buried, tmp, corrupt, progress, journal, journalLock, marker, paused].map((path) => basename(path)));
}

/**
 * Creates the directories (0700) and the format marker, or checks the marker that is there. A
 * directory that holds no marker must hold nothing but the queue's own names (and dot-files):
 * `dir: "/"` or a home directory is refused, not filled with sub-directories and swept.
 * With `durable`, every directory and the marker this call creates are flushed to the disk.
 * With `create: false` a missing directory or marker is refused with `FileQueueNotFoundError`
 * before anything is created.
 */
export async function prepareLayout(layout: Layout, durable: boolean, create = true): Promise<void> {
  if (create) await makeDirectory(layout.root, durable);
  else await requireDirectory(layout.root);
  const marker = await readMarker(layout);
  if (marker === "missing" && !create) throw new FileQueueNotFoundError(layout.root, `it holds no ${MARKER_FILE}`);
  if (marker === "missing") {
    const ours = ownNames(layout);
    const names = await readdir(layout.root).catch((error: unknown) => {
      throw new FileSystemError("list", layout.root, error);
    });
    const strangers = names.filter((name) => !ours.has(name) && !name.startsWith("."));
    if (strangers.length > 0) {
      const shown = strangers
        .slice(0, 3)
        .map((name) => JSON.stringify(name))
        .join(", ");
      throw new ForeignDirectoryError(
        layout.root,
        `it holds files that are not a queue's (${shown}${strangers.length > 3 ? ", ..." : ""}) and no ${MARKER_FILE}`,
      );
    }
  }
  for (const dir of [layout.ready, layout.reserved, layout.buried, layout.tmp, layout.corrupt, layout.progress]) {
    await makeDirectory(dir, durable);
  }
  if (marker === "missing") await writeMarker(layout, durable);
}

/** Fails with `FileQueueNotFoundError` unless `path` is an existing directory. */
async function requireDirectory(path: string): Promise<void> {
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(path);
  } catch (error) {
    if (isNotFound(error) || errnoCode(error) === "ENOTDIR") {
      throw new FileQueueNotFoundError(path, "the directory does not exist", { cause: error });
    }
    throw new FileSystemError("open the queue directory", path, error);
  }
  if (!stats.isDirectory()) throw new FileQueueNotFoundError(path, "it is not a directory");
}

/**
 * Reads the format marker without following a link, blocking on a FIFO or reading more than a
 * few KiB. `missing` also for an empty marker: what a power cut during its creation leaves.
 */
async function readMarker(layout: Layout): Promise<"ours" | "missing"> {
  let read: ReadResult;
  try {
    read = await readJobFile(layout.marker, MAX_MARKER_BYTES);
  } catch (error) {
    if (isNotFound(error)) return "missing";
    throw error;
  }
  if ("problem" in read) throw new ForeignDirectoryError(layout.root, `${MARKER_FILE} ${read.problem}`);
  if (read.bytes.length === 0) return "missing";
  let found: unknown;
  try {
    found = JSON.parse(read.bytes.toString("utf8"));
  } catch (error) {
    throw new ForeignDirectoryError(layout.root, `${MARKER_FILE} is not a @x/queue-file format marker`, { cause: error });
  }
  const marker = found as Partial<typeof FORMAT_MARKER> | null;
  if (marker?.format !== FORMAT_MARKER.format || marker.version !== FORMAT_MARKER.version) {
    throw new ForeignDirectoryError(
      layout.root,
      `it holds a queue of another format (${JSON.stringify(found)}); expected ${JSON.stringify(FORMAT_MARKER)}`,
    );
  }
  return "ours";
}

/** Writes the marker as a job is written: complete before it is visible, flushed when durable. */
async function writeMarker(layout: Layout, durable: boolean): Promise<void> {
  const temp = join(layout.tmp, tempName());
  await writeNewFile(temp, `${JSON.stringify(FORMAT_MARKER)}\n`, durable);
  // Processes creating the queue at once all write the same bytes: whichever rename lands last wins.
  await claim(temp, layout.marker);
  if (durable) await syncDirectory(layout.root);
}

/** How many missing parents {@link makeDirectory} creates at most. */
const MAX_PARENTS = 64;

/**
 * `mkdir -p` with mode 0700 for every directory it creates. Not `mkdir(path, { recursive: true })`:
 * on Node 20 that never returns for a path under `/proc`, and a queue must fail, not hang.
 */
export async function makeDirectory(path: string, durable: boolean, parents = MAX_PARENTS): Promise<void> {
  /** `undefined` when the directory is there now, the `ENOENT` error when a parent is missing. */
  const attempt = async (): Promise<unknown> => {
    try {
      await mkdir(path, { mode: 0o700 });
      // Whatever the umask (0277 would leave 0500: no sub-directory, no job could be made in it).
      await chmod(path, 0o700);
      // A new directory entry survives a power cut only once its parent is flushed.
      if (durable) await syncDirectory(dirname(path));
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
  await makeDirectory(parent, durable, parents - 1);
  // Once, not in a loop: a file system that says ENOENT with the parent there (/proc) must not hang us.
  const stillMissing = await attempt();
  if (stillMissing !== undefined) throw new FileSystemError("create the queue directory", path, stillMissing);
}
