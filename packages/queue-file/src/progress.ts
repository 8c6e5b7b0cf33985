/**
 * Progress records of reserved jobs: `progress/<deliveries>-<id>.json`, holding the last value a
 * holder gave to `Reservation.progress()` and who it is (`host:pid`). Keyed by the hand-out (the
 * delivery count in the job's `reserved/` name), not by the lease name, which every `touch`
 * changes: a record written by a holder that lost its lease names a hand-out that is over, so it
 * can never show up as the progress of the job's next holder. `reserve` writes nothing here (it
 * stays one rename); records whose hand-out is over are removed when their holder settles, when
 * a lease is requeued, and by `list({ state: "reserved" })` once they are a minute old.
 */
import { lstat, readdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, type JsonValue } from "@x/message";
import { FileSystemError, isNotFound } from "./errors.js";
import type { Report } from "./events.js";
import { claim, remove, tempName, writeNewFile } from "./files.js";
import { readJobFile } from "./job-file.js";
import type { Layout } from "./layout.js";

/** Largest encoded progress value, in bytes. */
export const MAX_PROGRESS_BYTES = 64 * 1024;
/** A record without its reserved job that is older than this belongs to a hand-out that is over. */
const STALE_RECORD_MS = 60_000;
/** Deeper nesting is refused (it also catches cycles). */
const MAX_DEPTH = 64;
const HOLDER = `${hostname()}:${process.pid}`;
const RECORD = /^(\d{1,15})-([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\.json$/;

/** One hand-out of a job. */
export interface HandOut {
  readonly id: string;
  readonly deliveries: number;
}

/** What a record says. */
export interface ProgressRecord {
  readonly holder: string;
  readonly progress: JsonValue;
}

export function progressFileOf(job: HandOut): string {
  return `${job.deliveries}-${job.id}.json`;
}

/** The encoded record of a progress value, or `InvalidArgumentError` naming `value`. */
export function encodeProgress(value: unknown): string {
  const problem = jsonProblem(value, 0);
  if (problem !== undefined) throw new InvalidArgumentError("value", `must be a JSON value: ${problem}`);
  const encoded = JSON.stringify(value);
  const size = Buffer.byteLength(encoded, "utf8");
  if (size > MAX_PROGRESS_BYTES) {
    throw new InvalidArgumentError("value", `encodes to ${size} bytes; progress is limited to ${MAX_PROGRESS_BYTES} bytes`);
  }
  return `{"holder":${JSON.stringify(HOLDER)},"progress":${encoded}}`;
}

/** Why `value` is not a JSON value that survives a round trip, or `undefined`. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${String(value)} has no JSON form`;
    case "object": {
      if (value === null) return undefined;
      if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels (or cyclic)`;
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          const found = jsonProblem(item, depth + 1);
          if (found !== undefined) return found;
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return "only plain objects, arrays and primitives";
      for (const item of Object.values(value)) {
        const found = jsonProblem(item, depth + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    default:
      return `a ${typeof value} has no JSON form`;
  }
}

/**
 * Replaces the record of a hand-out: written aside and renamed over the old one, so a reader
 * sees the old or the new record, never half of one. Not flushed: like `touch`, progress that a
 * power cut loses costs nothing but its display.
 */
export async function writeProgress(layout: Layout, job: HandOut, record: string): Promise<void> {
  const temp = join(layout.tmp, tempName());
  await writeNewFile(temp, record, false);
  if (!(await claim(temp, join(layout.progress, progressFileOf(job))))) {
    throw new FileSystemError("move into progress/", temp, new Error("the temp file vanished"));
  }
}

/** The record of a hand-out, or `undefined` when there is none (or it is not one we wrote). */
export async function readProgress(layout: Layout, job: HandOut): Promise<ProgressRecord | undefined> {
  let read: Awaited<ReturnType<typeof readJobFile>>;
  try {
    read = await readJobFile(join(layout.progress, progressFileOf(job)), MAX_PROGRESS_BYTES + 1024);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (!("bytes" in read)) return undefined;
  try {
    const parsed = JSON.parse(read.bytes.toString("utf8")) as Partial<ProgressRecord> | null;
    if (typeof parsed?.holder !== "string" || !("progress" in parsed)) return undefined;
    return { holder: parsed.holder, progress: parsed.progress ?? null };
  } catch {
    return undefined;
  }
}

/** Removes the record of a hand-out that is over; a missing one is fine. */
export async function removeProgress(layout: Layout, job: HandOut): Promise<void> {
  await remove(join(layout.progress, progressFileOf(job))).catch(() => false);
}

/** Removes records older than a minute whose hand-out is not among `live` (names from {@link progressFileOf}). */
export async function removeStaleProgress(layout: Layout, live: ReadonlySet<string>, report: Report): Promise<void> {
  let names: string[];
  try {
    names = await readdir(layout.progress);
  } catch (error) {
    if (isNotFound(error)) return;
    throw new FileSystemError("list", layout.progress, error);
  }
  // Compared with file times, which the kernel stamps with the machine's clock.
  const now = Date.now();
  for (const name of names) {
    if (live.has(name) || !RECORD.test(name)) continue;
    const path = join(layout.progress, name);
    const age = await lstat(path).then(
      (stats) => now - stats.mtimeMs,
      () => undefined,
    );
    if (age !== undefined && age > STALE_RECORD_MS && (await remove(path).catch(() => false))) {
      report("cleaned", { file: `progress/${name}`, reason: "progress of a hand-out that is over" });
    }
  }
}
