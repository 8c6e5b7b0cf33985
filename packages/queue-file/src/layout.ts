/**
 * Where a queue's files live, and making that place: the state directories (0700) and the format
 * marker that keeps a queue of another format from being misread.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AdapterError } from "@x/message";
import { FileSystemError, errnoCode } from "./errors.js";

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
