import { DEFAULT_LIST_LIMIT, type JobListing, type JobState, type QueueAdapter, type QueueStats, toMessageInit } from "@x/message";
import { BadRequestError, NotFoundError, UnsupportedError } from "./errors.js";
import { type QueueRate, type QueueSample, ratesOf, SampleRing, sampleOf } from "./history.js";

/** Longest payload text a job listing carries; the rest is cut (`payloadTruncated`). */
export const MAX_PAYLOAD_TEXT = 4096;

const STATES: readonly JobState[] = ["ready", "delayed", "reserved", "buried"];

/** One queue as the API shows it. */
export interface QueueView {
  readonly name: string;
  readonly adapter: string;
  /** The stats just read or, when the queue did not answer, the last ones read (zeros if none). */
  readonly stats: QueueStats;
  /** Why the stats could not be read just now (the backend is down, say). */
  readonly error?: string;
  readonly can: { readonly list: boolean; readonly bulk: boolean; readonly pause: boolean };
  readonly samples: readonly QueueSample[];
  readonly rates: readonly QueueRate[];
}

/** One job as the API shows it: the listing with its payload as JSON text. */
export interface JobView {
  readonly id: string;
  readonly state: JobState;
  readonly requestType: string;
  readonly priority: number;
  readonly attempts: number;
  readonly enqueuedAt?: number;
  readonly readyAt?: number;
  readonly leaseHolder?: string;
  readonly leaseEndsAt?: number;
  readonly buryReason?: string;
  readonly buriedAt?: number;
  readonly payload: string;
  readonly payloadTruncated: boolean;
}

/** The queues of a dashboard, with the history of their stats. */
export class QueueSource {
  readonly #queues: ReadonlyMap<string, QueueAdapter>;
  readonly #history = new Map<string, SampleRing>();
  readonly #latest = new Map<string, QueueStats>();

  constructor(queues: Readonly<Record<string, QueueAdapter>>, historyLength: number) {
    this.#queues = new Map(Object.entries(queues));
    for (const name of this.#queues.keys()) this.#history.set(name, new SampleRing(historyLength));
  }

  get names(): string[] {
    return [...this.#queues.keys()];
  }

  /** Reads every queue's stats once and records them; a queue that fails keeps its last reading. */
  async sample(at: number): Promise<void> {
    await Promise.all(
      [...this.#queues].map(async ([name, queue]) => {
        try {
          const stats = await queue.stats();
          this.#latest.set(name, stats);
          this.#history.get(name)?.push(sampleOf(stats, at));
        } catch {
          // A queue that is down shows its last figures; the next sample tries again.
        }
      }),
    );
  }

  /** The stats of the last sample, by queue, for the live summary. */
  latest(): Record<string, QueueStats> {
    return Object.fromEntries(this.#latest);
  }

  async views(): Promise<QueueView[]> {
    return Promise.all(
      [...this.#queues].map(async ([name, queue]) => {
        let stats: QueueStats;
        let error: string | undefined;
        try {
          stats = await queue.stats();
          this.#latest.set(name, stats);
        } catch (cause) {
          // One queue that is down must not hide the others.
          stats = this.#latest.get(name) ?? { ready: 0, delayed: 0, reserved: 0, buried: 0 };
          error = cause instanceof Error ? cause.message : String(cause);
        }
        const samples = this.#history.get(name)?.toArray() ?? [];
        return {
          name,
          adapter: queue.name,
          stats,
          ...(error === undefined ? {} : { error }),
          can: { list: queue.capabilities.list, bulk: queue.capabilities.bulk, pause: queue.capabilities.pause },
          samples,
          rates: ratesOf(samples),
        };
      }),
    );
  }

  queue(name: string): QueueAdapter {
    const queue = this.#queues.get(name);
    if (queue === undefined) throw new NotFoundError(`no queue named ${JSON.stringify(name)}`);
    return queue;
  }

  async jobs(name: string, query: URLSearchParams): Promise<{ jobs: JobView[]; cursor: string | null }> {
    const queue = this.queue(name);
    if (queue.list === undefined || !queue.capabilities.list)
      throw new UnsupportedError(`queue ${JSON.stringify(name)} (${queue.name}) cannot list jobs`);
    const state = stateParam(query.get("state"));
    const limit = limitParam(query.get("limit"));
    const cursor = query.get("cursor");
    const requestType = query.get("requestType");
    const page = await queue.list({
      state,
      limit,
      ...(cursor === null || cursor === "" ? {} : { cursor }),
      ...(requestType === null || requestType === "" ? {} : { requestType }),
    });
    return { jobs: page.jobs.map(jobView), cursor: page.cursor };
  }

  /** Makes one buried or delayed job ready now, keeping its id, payload and the attempts `peek` reports. */
  async retryJob(name: string, id: string): Promise<void> {
    const queue = this.queue(name);
    if (!queue.capabilities.customIds)
      throw new UnsupportedError(`queue ${JSON.stringify(name)} (${queue.name}) cannot re-enqueue a job under its id; use the bulk retry`);
    const message = await queue.peek(id);
    if (message === null) throw new NotFoundError(`no job ${JSON.stringify(id)} in queue ${JSON.stringify(name)}`);
    const state = queue.inspect === undefined ? undefined : (await queue.inspect(id))?.state;
    if (state !== undefined && state !== "buried" && state !== "delayed")
      throw new BadRequestError(`job ${JSON.stringify(id)} is ${state}; only buried or delayed jobs are retried`);
    // The contract has no kick-by-id: the job is removed and stored again, ready at once.
    if (!(await queue.delete(id))) throw new NotFoundError(`job ${JSON.stringify(id)} is gone`);
    const { delay: _delay, ...init } = toMessageInit(message);
    await queue.enqueue(init);
  }

  async deleteJob(name: string, id: string): Promise<void> {
    if (!(await this.queue(name).delete(id))) throw new NotFoundError(`no job ${JSON.stringify(id)} in queue ${JSON.stringify(name)}`);
  }

  async bulk(name: string, body: Record<string, unknown>): Promise<{ matched: number; changed: number }> {
    const queue = this.queue(name);
    if (queue.bulk === undefined || !queue.capabilities.bulk)
      throw new UnsupportedError(`queue ${JSON.stringify(name)} (${queue.name}) has no bulk operations`);
    const { action, state, requestType } = body;
    if (action !== "kick" && action !== "retry" && action !== "delete") throw new BadRequestError("action must be kick, retry or delete");
    if (requestType !== undefined && typeof requestType !== "string") throw new BadRequestError("requestType must be a string");
    return queue.bulk({ action, state: stateParam(state), ...(requestType === undefined || requestType === "" ? {} : { requestType }) });
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    const queue = this.queue(name);
    if (queue.pause === undefined || queue.resume === undefined || !queue.capabilities.pause) {
      throw new UnsupportedError(`queue ${JSON.stringify(name)} (${queue.name}) cannot pause`);
    }
    await (paused ? queue.pause() : queue.resume());
  }
}

function stateParam(value: unknown): JobState {
  if (typeof value === "string" && (STATES as readonly string[]).includes(value)) return value as JobState;
  throw new BadRequestError(`state must be one of ${STATES.join(", ")}`);
}

/** A page size from a query parameter (1 to 1000). */
export function limitParam(value: string | null, fallback = DEFAULT_LIST_LIMIT, max = 1000): number {
  if (value === null || value === "") return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new BadRequestError(`limit must be an integer from 1 to ${max}`);
  return limit;
}

function jobView(job: JobListing): JobView {
  // JSON.stringify(undefined) is undefined at runtime, whatever its type says.
  const text = (JSON.stringify(job.message.body.payload) as string | undefined) ?? "undefined";
  return {
    id: job.id,
    state: job.state,
    requestType: job.requestType,
    priority: job.priority,
    attempts: job.attempts,
    ...(job.enqueuedAt === undefined ? {} : { enqueuedAt: job.enqueuedAt }),
    ...(job.readyAt === undefined ? {} : { readyAt: job.readyAt }),
    ...(job.leaseHolder === undefined ? {} : { leaseHolder: job.leaseHolder }),
    ...(job.leaseEndsAt === undefined ? {} : { leaseEndsAt: job.leaseEndsAt }),
    ...(job.buryReason === undefined ? {} : { buryReason: job.buryReason }),
    ...(job.buriedAt === undefined ? {} : { buriedAt: job.buriedAt }),
    payload: text.length > MAX_PAYLOAD_TEXT ? text.slice(0, MAX_PAYLOAD_TEXT) : text,
    payloadTruncated: text.length > MAX_PAYLOAD_TEXT,
  };
}
