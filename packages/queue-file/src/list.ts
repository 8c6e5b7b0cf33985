/**
 * `list()`: a page of the jobs in one state. Pages are ordered by job id, the one thing about a
 * job that never changes while it stays in its state (its file name changes with every `touch`),
 * and the cursor names the last id returned: a walk lists no job twice and skips none that stayed
 * in its state. Each page lists the state's directory again, so it sees the queue as it is now.
 */
import { lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import {
  InvalidArgumentError,
  isValidMessageId,
  type JobListing,
  type JobPage,
  type JobState,
  type ListOptions,
  type Message,
  matchesRequestType,
  normalizeListOptions,
  withHeader,
} from "@x/message";
import { FileSystemError, isNotFound } from "./errors.js";
import { type BuriedName, type ReadyName, type ReservedName, reasonFileOf } from "./names.js";
import { progressFileOf, readProgress, removeStaleProgress } from "./progress.js";
import type { JobStore, Named } from "./store.js";

const CURSOR_PREFIX = "f1.";

function encodeCursor(id: string): string {
  return `${CURSOR_PREFIX}${Buffer.from(id, "utf8").toString("base64url")}`;
}

function decodeCursor(cursor: string): string {
  const id = cursor.startsWith(CURSOR_PREFIX) ? Buffer.from(cursor.slice(CURSOR_PREFIX.length), "base64url").toString("utf8") : "";
  if (!isValidMessageId(id) || encodeCursor(id) !== cursor) {
    throw new InvalidArgumentError("cursor", `is not a cursor of this file queue's list(): ${JSON.stringify(cursor)}`);
  }
  return id;
}

/** A candidate for the page: where its file is, and what its name says. */
type Candidate =
  | { readonly dir: "ready"; readonly entry: Named<ReadyName> }
  | { readonly dir: "reserved"; readonly entry: Named<ReservedName> }
  | { readonly dir: "buried"; readonly entry: Named<BuriedName> };

const byId = (a: Candidate, b: Candidate): number => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0);

async function candidates(store: JobStore, state: JobState): Promise<Candidate[]> {
  switch (state) {
    case "ready":
    case "delayed": {
      const delayed = state === "delayed";
      return (await store.listReady()).filter((entry) => store.isDelayed(entry) === delayed).map((entry) => ({ dir: "ready", entry }));
    }
    case "reserved": {
      const entries = await store.listReserved();
      return entries.map((entry) => ({ dir: "reserved", entry }));
    }
    case "buried":
      return (await store.listBuried()).jobs.map((entry) => ({ dir: "buried", entry }));
  }
}

/** One page of the jobs in `options.state`; see the module comment. */
export async function listJobs(store: JobStore, options: ListOptions): Promise<JobPage> {
  const { state, requestType, limit, cursor } = normalizeListOptions(options);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const all = await candidates(store, state);
  if (state === "reserved" && after === undefined) {
    await removeStaleProgress(store.layout, new Set(all.map(({ entry }) => progressFileOf(entry))), store.report);
  }
  const pending = (after === undefined ? all : all.filter(({ entry }) => entry.id > after)).sort(byId);
  const jobs: JobListing[] = [];
  for (const candidate of pending) {
    const message = await loadMatching(store, candidate, requestType);
    if (message === undefined) continue;
    // One more match than the page holds says that another page follows.
    if (jobs.length === limit) return { jobs, cursor: encodeCursor(jobs[jobs.length - 1]?.id ?? "") };
    jobs.push(await describe(store, state, candidate, message));
  }
  return { jobs, cursor: null };
}

/** The job's message, or `undefined` when it left the state meanwhile or is of another type. */
async function loadMatching(store: JobStore, { dir, entry }: Candidate, requestType: string | undefined): Promise<Message | undefined> {
  const loaded = await store.load(dir, entry.name, entry.id);
  if (!("message" in loaded)) return undefined;
  return matchesRequestType(requestType, loaded.message.header.requestType) ? loaded.message : undefined;
}

async function describe(store: JobStore, state: JobState, candidate: Candidate, stored: Message): Promise<JobListing> {
  const { dir, entry } = candidate;
  // A reserved job's current delivery already counts in its name.
  const attempts = dir === "reserved" ? entry.deliveries - 1 : entry.deliveries;
  const message = withHeader(stored, { priority: entry.priority, attempts });
  const enqueuedAt = writtenAt(store, store.path(dir, entry.name));
  const listing: JobListing = {
    id: entry.id,
    state,
    requestType: message.header.requestType ?? "",
    priority: entry.priority,
    attempts,
    ...(enqueuedAt === undefined ? {} : { enqueuedAt }),
    message,
  };
  switch (candidate.dir) {
    case "ready":
      return state === "delayed" ? { ...listing, readyAt: candidate.entry.readyAt } : listing;
    case "reserved": {
      const record = await readProgress(store.layout, candidate.entry);
      return {
        ...listing,
        leaseEndsAt: candidate.entry.leaseEndsAt,
        ...(record === undefined ? {} : { leaseHolder: record.holder, progress: record.progress }),
      };
    }
    case "buried": {
      const buryReason = await readReason(store, candidate.entry.name);
      return { ...listing, buriedAt: candidate.entry.buriedAt, ...(buryReason === undefined ? {} : { buryReason }) };
    }
  }
}

/**
 * When the job file was written: its content never changes and renames keep its modification
 * time, so this is when the job was stored (epoch ms, on the time source's wall clock).
 */
function writtenAt(store: JobStore, path: string): number | undefined {
  const modified = lstatSync(path, { throwIfNoEntry: false })?.mtimeMs;
  const { time } = store.options;
  return modified === undefined ? undefined : Math.floor(time.fromFileTime ? time.fromFileTime(modified) : modified);
}

async function readReason(store: JobStore, buriedName: string): Promise<string | undefined> {
  const file = reasonFileOf(buriedName);
  return readFile(store.path("buried", file), "utf8").catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw new FileSystemError("read", file, error);
  });
}
