/**
 * Removing what operations that died half-way left behind. None of it is ever read as a job, so
 * this is housekeeping, not recovery: temp files of dead writers, stale id locks, and bury
 * reasons whose job is gone.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { FileSystemError } from "./errors.js";
import type { Report } from "./events.js";
import { processAlive, remove, tempWriter } from "./files.js";
import { isIdLockName, STALE_ID_LOCK_MS } from "./id-lock-name.js";
import type { Layout } from "./layout.js";
import { holderIsDead, readLock } from "./lock-file.js";
import type { BuriedName } from "./names.js";

/** A temp file of a live process older than this is a left-over all the same. */
const STALE_TEMP_MS = 60 * 60_000;
/** An orphan bury reason older than this belongs to a kick or delete that died; younger, a bury in progress. */
const STALE_REASON_MS = 60_000;

const ageOf = async (path: string, now: number): Promise<number | undefined> =>
  lstat(path).then(
    (stats) => now - stats.mtimeMs,
    () => undefined,
  );

/** Removes what dead processes left in `tmp/`. Files there of names we do not write are left alone. */
export async function cleanTemp(layout: Layout, report: Report): Promise<void> {
  const names = await readdir(layout.tmp).catch((error: unknown) => {
    throw new FileSystemError("list", layout.tmp, error);
  });
  // Ages are measured against file times, which the kernel stamps with the machine's clock.
  const now = Date.now();
  for (const name of names) {
    const path = join(layout.tmp, name);
    const age = await ageOf(path, now);
    if (age === undefined) continue;
    let reason: string | undefined;
    if (isIdLockName(name)) {
      if (age > STALE_ID_LOCK_MS || holderIsDead((await readLock(path))?.holder)) reason = "stale id lock";
    } else {
      const writer = tempWriter(name);
      if (writer !== undefined && (age > STALE_TEMP_MS || !processAlive(writer))) reason = "temp file of a process that is gone";
    }
    if (reason !== undefined && (await remove(path).catch(() => false))) report("cleaned", { file: `tmp/${name}`, reason });
  }
}

/** Removes bury reasons whose job is gone (a kick or delete died between its two steps). */
export async function removeOrphanReasons(
  layout: Layout,
  jobs: readonly (BuriedName & { readonly name: string })[],
  reasons: ReadonlySet<string>,
  report: Report,
): Promise<void> {
  const live = new Set(jobs.map((job) => job.name.slice(0, -".job".length)));
  // As above: compared with file times, so the machine's clock.
  const now = Date.now();
  for (const reason of reasons) {
    if (live.has(reason.slice(0, -".reason".length))) continue;
    const path = join(layout.buried, reason);
    const age = (await ageOf(path, now)) ?? 0;
    if (age > STALE_REASON_MS && (await remove(path).catch(() => false))) {
      report("cleaned", { file: `buried/${reason}`, reason: "bury reason without its job" });
    }
  }
}
