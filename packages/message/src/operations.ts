import type { BulkOptions, BulkResult, EnqueueResult, JobListing, JobState, ListOptions, QueueAdapter } from "./adapter.js";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, MAX_PROGRESS_BYTES } from "./adapter.js";
import { InvalidArgumentError, UnsupportedOperationError } from "./errors.js";
import { type JsonValue, jsonProblem } from "./json-value.js";
import type { MessageInit } from "./message.js";

/**
 * Operations on any {@link QueueAdapter}, whether or not it has the optional capability: callers
 * (the CLI, the dashboard, users) write one code path, adapters share one argument check.
 */

const BULK_ACTIONS: ReadonlySet<string> = new Set<BulkOptions["action"]>(["kick", "retry", "delete"]);
const JOB_STATES: ReadonlySet<string> = new Set<JobState>(["ready", "delayed", "reserved", "buried"]);

/** `options` with its defaults, or `InvalidArgumentError` naming the bad field. Adapters call it first in `list()`. */
export function normalizeListOptions(options: ListOptions): ListOptions & { readonly limit: number } {
  checkState(options.state);
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidArgumentError("limit", `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`);
  }
  if (options.cursor !== undefined && typeof options.cursor !== "string") throw new InvalidArgumentError("cursor", "must be a string");
  checkRequestType(options.requestType);
  return { ...options, limit };
}

/** Throws `InvalidArgumentError` for an action/state pair that makes no sense. Adapters call it first in `bulk()`. */
export function checkBulkOptions(options: BulkOptions): void {
  const { action, state } = options;
  // Untyped callers (the CLI, JavaScript) can pass anything.
  if (!BULK_ACTIONS.has(action)) {
    throw new InvalidArgumentError("action", `must be kick, retry or delete, got ${JSON.stringify(action)}`);
  }
  checkState(state);
  checkRequestType(options.requestType);
  if (action === "kick" && state !== "buried") throw new InvalidArgumentError("state", `kick applies to buried jobs, not ${state} ones`);
  if (action === "retry" && state !== "buried" && state !== "delayed") {
    throw new InvalidArgumentError("state", `retry applies to buried or delayed jobs, not ${state} ones`);
  }
  if (action === "delete" && state === "reserved") {
    throw new InvalidArgumentError(
      "state",
      "delete cannot take reserved jobs from their holders; delete them by id or wait for them to settle",
    );
  }
}

/**
 * The JSON text of a `Reservation.progress()` value, or `InvalidArgumentError` when it is not a
 * JSON value or encodes to more than {@link MAX_PROGRESS_BYTES}. Adapters store the text.
 */
export function encodeProgress(value: JsonValue): string {
  const problem = jsonProblem(value, "progress");
  if (problem) throw new InvalidArgumentError(problem.path, problem.problem);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PROGRESS_BYTES)
    throw new InvalidArgumentError("progress", `is ${bytes} bytes encoded; at most ${MAX_PROGRESS_BYTES} are kept`);
  return text;
}

/** Whether a job of `requestType` passes the filter. */
export function matchesRequestType(filter: string | undefined, requestType: string | undefined): boolean {
  return filter === undefined || filter === (requestType ?? "");
}

function checkState(state: unknown): void {
  if (typeof state !== "string" || !JOB_STATES.has(state)) {
    throw new InvalidArgumentError("state", `must be ready, delayed, reserved or buried, got ${JSON.stringify(state)}`);
  }
}

function checkRequestType(requestType: unknown): void {
  if (requestType !== undefined && typeof requestType !== "string") throw new InvalidArgumentError("requestType", "must be a string");
}

/**
 * Stores many jobs: the adapter's batch path when it has one, else one `enqueue` after another.
 * One result per job either way; a bad message fails only its own entry.
 */
export async function enqueueMany<P>(queue: QueueAdapter, inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
  if (queue.enqueueMany) return queue.enqueueMany(inits);
  return enqueueOneByOne(queue, inits);
}

/** One `enqueue` after another, one result per job: the batch path of an adapter with no cheaper one. */
export async function enqueueOneByOne<P>(queue: QueueAdapter, inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
  const results: EnqueueResult<P>[] = [];
  for (const init of inits) {
    try {
      results.push({ ok: true, message: await queue.enqueue(init) });
    } catch (error) {
      results.push({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return results;
}

/** Every job in one state, page by page, as an async iterable; `UnsupportedOperationError` if the adapter cannot list. */
export async function* listAll(queue: QueueAdapter, options: Omit<ListOptions, "cursor">): AsyncGenerator<JobListing, void, undefined> {
  if (!queue.list) throw new UnsupportedOperationError(queue.name, "list jobs");
  let cursor: string | undefined;
  for (;;) {
    const page = await queue.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.jobs;
    if (page.cursor === null) return;
    cursor = page.cursor;
  }
}

/** `queue.bulk(options)`, or `UnsupportedOperationError` if the adapter has no bulk operations. */
export function bulk(queue: QueueAdapter, options: BulkOptions): Promise<BulkResult> {
  if (!queue.bulk) return Promise.reject(new UnsupportedOperationError(queue.name, "run bulk operations"));
  return queue.bulk(options);
}
