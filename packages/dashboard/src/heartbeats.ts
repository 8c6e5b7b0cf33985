import type { TimeSource, Unsubscribe } from "@x/core";
import type { Monitor, ProcessState, ProcessStatus, Transition } from "@x/heartbeat";
import { BadRequestError } from "./errors.js";
import { limitParam } from "./queues.js";

const STATES: readonly ProcessState[] = ["starting", "up", "degraded", "late", "down", "stopped"];
const SEVERITY: Readonly<Record<ProcessState, number>> = { down: 0, late: 1, degraded: 2, starting: 3, up: 4, stopped: 5 };

/** One process as the API shows it; times are ages relative to the monitor's clock. */
export interface ProcessView {
  readonly process: string;
  readonly state: ProcessState;
  /** Milliseconds in this state. */
  readonly forMs: number;
  readonly lastKind: string;
  /** The announced period or warmup, in seconds. */
  readonly seconds?: number;
  /** Milliseconds since the last heartbeat. */
  readonly lastAgoMs: number;
  /** Milliseconds until the state changes by itself, if it will. */
  readonly deadlineInMs?: number;
}

/** One transition as the API shows it. */
export interface TransitionView {
  readonly process: string;
  readonly from: string | null;
  readonly to: string;
  /** Milliseconds ago. */
  readonly agoMs: number;
  /** Wall-clock epoch ms, for the timeline's axis. */
  readonly wallAt: number;
}

/** Processes by state. */
export type StateCounts = Record<ProcessState, number>;

/** The heartbeats of a dashboard: the monitor's processes and its recent transitions. */
export class HeartbeatSource {
  readonly #monitor: Monitor;
  readonly #time: TimeSource;
  readonly #transitions: Transition[] = [];
  readonly #maxTransitions: number;
  readonly #unsubscribe: Unsubscribe;
  #changes = 0;

  constructor(monitor: Monitor, time: TimeSource, maxTransitions: number) {
    this.#monitor = monitor;
    this.#time = time;
    this.#maxTransitions = maxTransitions;
    // Processes heard before the dashboard was made start the timeline in the state they are in.
    const known = monitor.snapshot().sort((x, y) => x.since - y.since);
    for (const status of known.slice(-maxTransitions))
      this.#transitions.push({ process: status.process, from: undefined, to: status.state, at: status.since });
    this.#unsubscribe = monitor.on("transition", (transition) => {
      this.#changes++;
      this.#transitions.push(transition);
      // Dropping in halves keeps the push O(1) amortised.
      if (this.#transitions.length > 2 * maxTransitions) this.#transitions.splice(0, this.#transitions.length - maxTransitions);
    });
  }

  /** Transitions seen so far; the live feed compares it to tell the page to refresh. */
  get changes(): number {
    return this.#changes;
  }

  counts(): StateCounts {
    const counts: StateCounts = { starting: 0, up: 0, degraded: 0, late: 0, down: 0, stopped: 0 };
    for (const status of this.#monitor.snapshot()) counts[status.state]++;
    return counts;
  }

  processes(query: URLSearchParams): { processes: ProcessView[]; total: number; cursor: string | null; counts: StateCounts } {
    const state = query.get("state");
    if (state !== null && state !== "" && !(STATES as readonly string[]).includes(state)) {
      throw new BadRequestError(`state must be one of ${STATES.join(", ")}`);
    }
    const search = query.get("search") ?? "";
    const limit = limitParam(query.get("limit"), 100);
    const offset = offsetParam(query.get("cursor"));
    const sort = query.get("sort") ?? "heard";
    if (sort !== "heard" && sort !== "worst")
      throw new BadRequestError("sort must be heard (the order processes were first heard) or worst");
    const now = this.#time.now();
    const counts: StateCounts = { starting: 0, up: 0, degraded: 0, late: 0, down: 0, stopped: 0 };
    const matching: ProcessStatus[] = [];
    for (const status of this.#monitor.snapshot()) {
      counts[status.state]++;
      if (state !== null && state !== "" && status.state !== state) continue;
      if (search !== "" && !status.process.includes(search)) continue;
      matching.push(status);
    }
    // Worst first, and within a state the longest in it first: what an operator looks for in an incident.
    if (sort === "worst") matching.sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state] || a.since - b.since);
    const page = matching.slice(offset, offset + limit).map((status) => processView(status, now));
    const next = offset + page.length;
    return { processes: page, total: matching.length, cursor: next < matching.length ? String(next) : null, counts };
  }

  transitions(limit: number): TransitionView[] {
    const now = this.#time.now();
    const wallNow = this.#time.wallNow();
    return this.#transitions.slice(-Math.min(limit, this.#maxTransitions)).map((t) => ({
      process: t.process,
      from: t.from ?? null,
      to: t.to,
      agoMs: Math.round(now - t.at),
      wallAt: Math.round(wallNow - (now - t.at)),
    }));
  }

  close(): void {
    this.#unsubscribe();
  }
}

function offsetParam(value: string | null): number {
  if (value === null || value === "") return 0;
  const offset = Number(value);
  if (!Number.isInteger(offset) || offset < 0) throw new BadRequestError("cursor must be one the API returned");
  return offset;
}

function processView(status: ProcessStatus, now: number): ProcessView {
  return {
    process: status.process,
    state: status.state,
    forMs: Math.round(now - status.since),
    lastKind: status.lastHeartbeat.kind,
    ...(status.lastHeartbeat.seconds === undefined ? {} : { seconds: status.lastHeartbeat.seconds }),
    lastAgoMs: Math.round(now - status.lastHeartbeat.at),
    ...(status.deadline === undefined ? {} : { deadlineInMs: Math.round(status.deadline - now) }),
  };
}
