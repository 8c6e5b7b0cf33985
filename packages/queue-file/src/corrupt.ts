import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CorruptJobError } from "./errors.js";
import type { Report } from "./events.js";
import { claim, writeNewFile } from "./files.js";
import type { Layout } from "./layout.js";

/** The queue directories a job file can be found in, by their name under the root. */
export type StateDir = "ready" | "reserved" | "buried";

/**
 * Moves a file that cannot be a job out of the way, into `corrupt/`, next to a `.reason.json`
 * saying where it was and why, and reports it. Resolves to `false` when the file was already gone
 * (another process moved or served it first).
 */
export async function moveAside(
  layout: Layout,
  dir: StateDir,
  name: string,
  reason: string,
  report: Report,
  /** Where the file was found, when it was claimed (renamed) before it turned out bad. */
  file = `${dir}/${name}`,
): Promise<boolean> {
  const stamp = `${new Date().toISOString().replace(/[:.]/g, "")}-${randomBytes(3).toString("hex")}`;
  // File names are at most 255 bytes; a stranger's name may already be that long.
  const target = `${stamp}-${name.slice(0, 180)}`;
  if (!(await claim(join(layout[dir], name), join(layout.corrupt, target)))) return false;
  const note = { file, reason, movedAt: new Date().toISOString() };
  await writeNewFile(join(layout.corrupt, `${target}.reason.json`), `${JSON.stringify(note, null, 2)}\n`, false).catch(() => {
    // The file is aside already; a missing note must not stop the queue.
  });
  const error = new CorruptJobError(file, reason);
  report("corrupt", { file, movedTo: `corrupt/${target}`, reason, error });
  return true;
}
