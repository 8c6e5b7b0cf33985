import type { JobState } from "@x/message";
import { BeanstalkCommandError } from "./errors.js";
import { MAX_SECONDS } from "./options.js";
import type { Session } from "./protocol/session.js";
import type { JobStats } from "./protocol/stats.js";

/**
 * `stats-job` commands per chunk of a walk; two chunks are in flight at a time. Kept short
 * because fivebeans' reply bookkeeping costs a copy of its queue per reply.
 */
export const WALK_CHUNK = 256;

/**
 * The tube the id probe goes to (see {@link JobWalker.range}). It never holds a job for longer than
 * a round trip, and the probe is delayed for beanstalkd's maximum, so no consumer can take it.
 */
export const ID_PROBE_TUBE = "x-queue-id-probe";

/** The ids one walk looks at, both ends included. */
export interface IdRange {
  readonly from: number;
  readonly to: number;
}

const isNotFound = (err: unknown): boolean => err instanceof BeanstalkCommandError && err.reply === "NOT_FOUND";

/**
 * Walks beanstalkd's job ids, since beanstalkd cannot enumerate the jobs of a tube. Job ids are
 * server-wide, assigned in increasing order and never reused while the server runs, so every job
 * that exists when a walk begins has an id in `[1, highest assigned]`; one pipelined `stats-job`
 * per id tells whether it is a job, of which tube and in which state.
 *
 * The walker remembers a floor per run of the server (its random `id` from `stats`): ids below it
 * answered `NOT_FOUND` in an earlier walk, and such an id never names a job again while that run
 * lasts, so later walks of this queue start there.
 */
export class JobWalker {
  readonly tube: string;
  #floor: { readonly instance: string; readonly id: number } | undefined;

  constructor(tube: string) {
    this.tube = tube;
  }

  /**
   * The ids of a new walk: from the floor to the highest id assigned so far. That id is learnt by
   * putting a probe job into {@link ID_PROBE_TUBE} (the session must `use` it) and deleting it at
   * once: the server's `total-jobs` is no bound, since it does not count jobs replayed from a
   * binlog, whose ids go on from the highest replayed one. A draining server refuses the probe;
   * then the bound is `total-jobs` or `knownHighest` (an id this process saw), whichever is higher.
   */
  async range(session: Session, knownHighest: number): Promise<IdRange & { readonly instance: string }> {
    const [stats, probe] = await Promise.allSettled([session.stats(), session.put(2 ** 32 - 1, MAX_SECONDS, 1, Buffer.from("{}"))]);
    if (stats.status === "rejected") throw stats.reason;
    let highest = Math.max(stats.value.totalJobs, knownHighest);
    if (probe.status === "fulfilled") {
      highest = Math.max(highest, probe.value - 1);
      await session.delete(probe.value).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    } else if (!(probe.reason instanceof BeanstalkCommandError && probe.reason.reply === "DRAINING")) {
      throw probe.reason;
    }
    const { instance } = stats.value;
    const floor = this.#floor?.instance === instance ? this.#floor.id : 1;
    return { from: floor, to: highest, instance };
  }

  /**
   * The jobs of this tube in `state`, chunk by chunk in increasing id order, from `range.from` to
   * `range.to`. With `instance` (a walk that starts at the floor of that server run), the ids found
   * empty before the first job raise the floor.
   */
  async *jobs(session: Session, range: IdRange, state: JobState, instance?: string): AsyncGenerator<readonly JobStats[], void, undefined> {
    let raisingFloor = instance !== undefined && range.from === (this.#floor?.instance === instance ? this.#floor.id : 1);
    for await (const chunk of statsChunks(session, range)) {
      if (raisingFloor && instance !== undefined) {
        const first = chunk.found[0];
        this.#floor = { instance, id: first === undefined ? chunk.last + 1 : first.id };
        raisingFloor = first === undefined;
      }
      yield chunk.found.filter((job) => job.tube === this.tube && job.state === state);
    }
  }
}

interface StatsChunk {
  /** The jobs of every tube, in increasing id order. */
  readonly found: readonly JobStats[];
  /** The last id the chunk asked about. */
  readonly last: number;
}

/** `stats-job` of every id in the range, pipelined; ids that name no job are left out. */
async function* statsChunks(session: Session, range: IdRange): AsyncGenerator<StatsChunk, void, undefined> {
  const send = (first: number): { readonly last: number; readonly replies: Promise<PromiseSettledResult<JobStats>[]> } => {
    const last = Math.min(range.to, first + WALK_CHUNK - 1);
    const replies: Promise<JobStats>[] = [];
    for (let id = first; id <= last; id++) replies.push(session.statsJob(id));
    // allSettled: a chunk left unread when the caller stops early rejects nothing unobserved.
    return { last, replies: Promise.allSettled(replies) };
  };
  let next = range.from <= range.to ? send(range.from) : undefined;
  while (next) {
    const current = next;
    next = current.last < range.to ? send(current.last + 1) : undefined;
    const found: JobStats[] = [];
    for (const reply of await current.replies) {
      if (reply.status === "fulfilled") found.push(reply.value);
      else if (!isNotFound(reply.reason)) throw reply.reason;
    }
    yield { found, last: current.last };
  }
}
