import {
  durationMsOption,
  Emitter,
  integerOption,
  type Listener,
  type Logger,
  loggerOption,
  type Observable,
  type TimeSource,
  timeSourceOption,
  type Unsubscribe,
} from "@x/core";
import { DeadlineHeap, type HeapEntry } from "./deadline-heap.js";
import {
  checkListener,
  checkOptions,
  DEFAULT_BUFFER,
  DEFAULT_EVICT_AFTER_MS,
  DEFAULT_GRACE,
  DEFAULT_MAX_BUFFERED_TRANSITIONS,
  DEFAULT_MAX_PROCESSES,
  factorOption,
} from "./options.js";
import { type PayloadFields, readPayload, readSubject } from "./parse.js";
import { type Heartbeat, type HeartbeatKind, processNameProblem } from "./protocol.js";
import { countTransition, observeProcesses } from "./telemetry.js";
import { startTimer } from "./timer.js";
import { TransitionStream } from "./transition-stream.js";

const MONITOR_OPTIONS = ["buffer", "grace", "maxProcesses", "evictAfterMs", "maxBufferedTransitions", "logger", "time"];
const MONITOR_EVENTS: readonly (keyof MonitorEvents)[] = ["transition", "invalid"];

/**
 * Where a process stands.
 * - `starting`: sent `start`; a `beat` or `degraded` is expected within warmup × grace.
 * - `up` / `degraded`: sent `beat` / `degraded`; the next is expected within period × buffer.
 * - `late`: that expected heartbeat did not come.
 * - `down`: a further grace (warmup or period × grace) passed without one.
 * - `stopped`: sent `stop`.
 */
export type ProcessState = "starting" | "up" | "degraded" | "late" | "down" | "stopped";

const PROCESS_STATES: readonly ProcessState[] = ["starting", "up", "degraded", "late", "down", "stopped"];

/**
 * What a transition leads to: a {@link ProcessState}, or `evicted` when a process that was `down`
 * or `stopped` for {@link MonitorOptions.evictAfterMs} is no longer tracked. An evicted process
 * that sends again is heard as new (`from: undefined`).
 */
export type TransitionState = ProcessState | "evicted";

/** One change of a process's state, emitted exactly once. */
export interface Transition {
  /** The process name (the subject without `heartbeat.`). */
  readonly process: string;
  /** The state before, or `undefined` for a process heard for the first time. */
  readonly from: ProcessState | undefined;
  /** The state after, or `evicted`. */
  readonly to: TransitionState;
  /** `time.now()` milliseconds: when the heartbeat came, or the deadline that was missed (or the eviction was due). */
  readonly at: number;
  /** The heartbeat that caused it; absent for `late`, `down` and `evicted`. */
  readonly heartbeat?: Heartbeat;
}

/** A subject or payload the monitor could not read. */
export interface InvalidHeartbeat {
  /** The subject as received. */
  readonly subject: unknown;
  /** The payload as received. */
  readonly payload: unknown;
  /** What is wrong with it, for a log line. */
  readonly reason: string;
  /** `time.now()` milliseconds when it was received. */
  readonly at: number;
}

/** What the monitor knows about one process. */
export interface ProcessStatus {
  /** The process name. */
  readonly process: string;
  /** Where it stands now. */
  readonly state: ProcessState;
  /** `time.now()` milliseconds at which it entered this state. */
  readonly since: number;
  /** The last heartbeat: its kind, its warmup or period in seconds (absent for stop) and when it came. */
  readonly lastHeartbeat: { readonly kind: HeartbeatKind; readonly seconds?: number; readonly at: number };
  /** `time.now()` milliseconds at which the state changes by itself (`late` or `down`), if it will. */
  readonly deadline?: number;
  /** `time.now()` milliseconds at which a `down` or `stopped` process will be evicted, unless it sends first. */
  readonly evictAt?: number;
}

/** Counters since the monitor was created. */
export interface MonitorStats {
  /** Calls to `receive()` while open. */
  readonly received: number;
  /** Of which were invalid. */
  readonly invalid: number;
  /** Transitions emitted. */
  readonly transitions: number;
  /** Processes tracked now. */
  readonly tracked: number;
  /** Processes evicted after being down or stopped for `evictAfterMs` (counted in `transitions` too). */
  readonly evicted: number;
}

/** Events of a {@link Monitor}, by name: `monitor.on("transition", listener)`. */
export interface MonitorEvents {
  /** A process changed state. */
  transition: Transition;
  /** `receive()` got something that is not a heartbeat. */
  invalid: InvalidHeartbeat;
}

/**
 * Options of {@link createMonitor}. `buffer` and `grace` are multipliers of the warmup or period a
 * process announced, not durations.
 */
export interface MonitorOptions {
  /** A `beat` or `degraded` with period P is late after P × buffer without a heartbeat. `>= 1`. @default 1.5 */
  readonly buffer?: number;
  /**
   * `starting` lasts warmup × grace before `late`; `late` lasts (warmup or period) × grace before `down`. `>= 1`.
   * @default 2
   */
  readonly grace?: number;
  /** Heartbeats from new processes beyond this many are rejected as invalid (a bound on memory). @default 1,000,000 */
  readonly maxProcesses?: number;
  /**
   * A process that has been `down` or `stopped` this long is no longer tracked, with an `evicted`
   * transition; without it, a new name per process start (`worker.<pid>`) would grow the monitor
   * forever and, at `maxProcesses`, lock out every new process. `Infinity` never evicts; `0`
   * evicts as soon as a process is down or stopped (right after that transition).
   * @default 3,600,000: one hour
   */
  readonly evictAfterMs?: number;
  /** A transition iterator that falls this far behind ends with `IteratorOverflowError`. @default 10,000 */
  readonly maxBufferedTransitions?: number;
  /**
   * Where a listener that threw is reported (`error` level, `{ event, error }`). A listener's
   * error never reaches the monitor: the other listeners run and the heartbeat or deadline is
   * fully applied. @default none: nothing is written
   */
  readonly logger?: Logger;
  /** Deadlines are read from `now()` and driven by the timers of this source. @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

/** Options of {@link Monitor.transitions}. */
export interface TransitionsOptions {
  /** Ends the iteration when aborted. @default none */
  readonly signal?: AbortSignal;
}

/** The monitor's record of one process; kept small, because there may be a million. */
interface Tracked extends HeapEntry {
  readonly process: string;
  state: ProcessState;
  since: number;
  kind: HeartbeatKind;
  /** Warmup or period of the last heartbeat, in seconds; 0 after stop. */
  seconds: number;
  lastAt: number;
}

/**
 * Tracks the liveness of every process that sends heartbeats, from any subscription:
 * `monitor.receive(subject, payload)`. Emits each state change once, to listeners
 * (`on("transition")`) and to async iterators (`for await (const t of monitor)`). Made by
 * {@link createMonitor}.
 *
 * All deadlines live in one heap driven by one timer; a process that is down, stopped or
 * forgotten costs nothing, and a beat that only pushes its deadline later costs no heap work.
 */
export class Monitor implements Observable<MonitorEvents>, AsyncIterable<Transition>, AsyncDisposable {
  /** The effective {@link MonitorOptions.buffer}. */
  readonly buffer: number;
  /** The effective {@link MonitorOptions.grace}. */
  readonly grace: number;
  /** The effective {@link MonitorOptions.maxProcesses}. */
  readonly maxProcesses: number;
  /** The effective {@link MonitorOptions.evictAfterMs}. */
  readonly evictAfterMs: number;
  readonly #time: TimeSource;
  readonly #events: Emitter<MonitorEvents>;
  readonly #processes = new Map<string, Tracked>();
  readonly #heap = new DeadlineHeap<Tracked>();
  readonly #stream: TransitionStream<Transition>;
  readonly #fields: PayloadFields = { kind: "stop", seconds: 0 };
  #cancelTimer: (() => void) | undefined;
  #timerAt = Infinity;
  #timerKeepsAlive = false;
  /** Processes that have a `late` or `down` deadline ahead (starting, up, degraded, late). */
  #live = 0;
  #received = 0;
  #invalid = 0;
  #transitions = 0;
  #evicted = 0;
  #closed = false;
  readonly #stopObserving: () => void;

  /** Use {@link createMonitor}. */
  constructor(options: MonitorOptions = {}) {
    checkOptions(options, MONITOR_OPTIONS, "createMonitor", false);
    this.buffer = factorOption("buffer", options.buffer, DEFAULT_BUFFER, 1);
    this.grace = factorOption("grace", options.grace, DEFAULT_GRACE, 1);
    this.maxProcesses = integerOption("maxProcesses", options.maxProcesses, DEFAULT_MAX_PROCESSES, 1);
    this.evictAfterMs = durationMsOption("evictAfterMs", options.evictAfterMs, DEFAULT_EVICT_AFTER_MS, { infinite: true });
    const maxBuffered = integerOption("maxBufferedTransitions", options.maxBufferedTransitions, DEFAULT_MAX_BUFFERED_TRANSITIONS, 1);
    this.#stream = new TransitionStream(maxBuffered);
    this.#time = timeSourceOption(options.time);
    this.#events = new Emitter<MonitorEvents>({ logger: loggerOption(options.logger) });
    this.#stopObserving = observeProcesses(this, (monitor) => monitor.#countByState());
  }

  /** Tracked processes per state, for the `x.heartbeat.processes` gauge (every state, zeros too). */
  #countByState(): ReadonlyMap<string, number> {
    this.#catchUp();
    const counts = new Map<string, number>(PROCESS_STATES.map((state) => [state, 0]));
    for (const tracked of this.#processes.values()) counts.set(tracked.state, (counts.get(tracked.state) ?? 0) + 1);
    return counts;
  }

  /**
   * Takes one heartbeat, as any subscription delivers it (bytes or strings). Returns whether it
   * was a valid heartbeat. Never throws on bad input: it is counted and reported through the
   * `invalid` event. Ignored after `close()`.
   */
  receive(subject: string | Uint8Array, payload: string | Uint8Array): boolean {
    if (this.#closed) return false;
    this.#received++;
    const now = this.#time.now();
    this.#expireDue(now);
    const process = readSubject(subject);
    if (typeof process !== "string") return this.#reject(subject, payload, process.reason, now);
    const fields = this.#fields;
    const reason = readPayload(payload, fields);
    if (reason !== undefined) return this.#reject(subject, payload, reason, now);
    let tracked = this.#processes.get(process);
    if (tracked === undefined) {
      // Names are checked once, when first heard; a known name is valid by construction.
      const problem = processNameProblem(process);
      if (problem !== undefined) return this.#reject(subject, payload, `process name ${JSON.stringify(process)} ${problem}`, now);
      if (this.#processes.size >= this.maxProcesses) {
        return this.#reject(subject, payload, `already tracking maxProcesses (${this.maxProcesses}) processes`, now);
      }
      tracked = { process, state: "stopped", since: now, kind: fields.kind, seconds: 0, lastAt: now, heapKey: Infinity, heapIndex: -1 };
      this.#processes.set(process, tracked);
      this.#apply(tracked, fields.kind, fields.seconds, now, undefined);
    } else {
      this.#apply(tracked, fields.kind, fields.seconds, now, tracked.state);
    }
    return true;
  }

  /** The status of one process, or `undefined` when it was never heard or was forgotten. */
  get(process: string): ProcessStatus | undefined {
    this.#catchUp();
    const tracked = this.#processes.get(process);
    return tracked === undefined ? undefined : this.#status(tracked);
  }

  /** The status of every tracked process, in the order they were first heard. */
  snapshot(): ProcessStatus[] {
    this.#catchUp();
    return Array.from(this.#processes.values(), (tracked) => this.#status(tracked));
  }

  /** Stops tracking a process (it is heard as new if it sends again). Returns whether it was tracked. */
  forget(process: string): boolean {
    const tracked = this.#processes.get(process);
    if (tracked === undefined) return false;
    if (isLive(tracked.state)) this.#live--;
    this.#heap.remove(tracked);
    this.#processes.delete(process);
    this.#arm();
    return true;
  }

  /** Counters since creation. */
  stats(): MonitorStats {
    return {
      received: this.#received,
      invalid: this.#invalid,
      transitions: this.#transitions,
      tracked: this.#processes.size,
      evicted: this.#evicted,
    };
  }

  /**
   * Adds a listener of `transition` or `invalid`; returns a function that removes it. A listener
   * that throws is reported to the `logger` and never stops the others or the monitor.
   */
  on<E extends keyof MonitorEvents>(event: E, listener: Listener<MonitorEvents[E]>): Unsubscribe {
    checkListener(event, listener, MONITOR_EVENTS);
    return this.#events.on(event, listener);
  }

  /**
   * Every transition from now on, in order, until `close()` (the iteration ends) or the signal
   * aborts. An iterator that falls `maxBufferedTransitions` behind ends with `IteratorOverflowError`.
   */
  transitions(options: TransitionsOptions = {}): AsyncIterableIterator<Transition, undefined> {
    return this.#stream.subscribe(options.signal);
  }

  /** `for await (const t of monitor)`: the same as {@link Monitor.transitions} without a signal. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Transition, undefined> {
    return this.transitions();
  }

  /**
   * Stops the timer and ends every iterator. Idempotent. The statuses stay readable as they were
   * at close: no transition is emitted afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopObserving();
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Infinity;
    this.#stream.end();
  }

  /** The same as {@link Monitor.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Applies the deadlines that passed before a read (the timer may not have run yet). */
  #catchUp(): void {
    if (this.#closed) return;
    this.#expireDue(this.#time.now());
  }

  /** A heartbeat arrived for a tracked process: new state, new deadline. */
  #apply(tracked: Tracked, kind: HeartbeatKind, seconds: number, now: number, from: ProcessState | undefined): void {
    tracked.kind = kind;
    tracked.seconds = seconds;
    tracked.lastAt = now;
    const to: ProcessState = kind === "start" ? "starting" : kind === "beat" ? "up" : kind === "degraded" ? "degraded" : "stopped";
    const live = this.#live;
    // A repeated stop keeps its `since`, so it does not postpone the eviction.
    if (to !== from) this.#setState(tracked, to, now);
    this.#schedule(tracked, this.#deadline(tracked));
    if (this.#live !== live) this.#arm();
    if (to !== from) {
      countTransition(from, to);
      if (this.#hasAudience()) {
        const heartbeat: Heartbeat = kind === "stop" ? { process: tracked.process, kind } : { process: tracked.process, kind, seconds };
        this.#emit({ process: tracked.process, from, to, at: now, heartbeat });
      } else this.#transitions++;
    }
  }

  /** Changes the state, keeping the count of live processes (whose timer keeps Node running). */
  #setState(tracked: Tracked, to: ProcessState, since: number): void {
    this.#live += Number(isLive(to)) - Number(isLive(tracked.state));
    tracked.state = to;
    tracked.since = since;
  }

  /** When a process that just sent a heartbeat becomes late. */
  #deadlineAfterHeartbeat(tracked: Tracked): number {
    return tracked.lastAt + tracked.seconds * 1000 * (tracked.kind === "start" ? this.grace : this.buffer);
  }

  /** When the process's state changes by itself (or, down or stopped, it is evicted); Infinity if never. */
  #deadline(tracked: Tracked): number {
    switch (tracked.state) {
      case "starting":
      case "up":
      case "degraded":
        return this.#deadlineAfterHeartbeat(tracked);
      case "late":
        return tracked.since + tracked.seconds * 1000 * this.grace;
      case "down":
      case "stopped":
        return tracked.since + this.evictAfterMs;
    }
  }

  /**
   * Makes sure the heap will look at the process no later than `deadline`. A later deadline
   * only leaves the old, earlier key in place: when it comes up, the real deadline is computed
   * and the entry moves on. So the common case, a beat pushing its deadline back, is O(1).
   */
  #schedule(tracked: Tracked, deadline: number): void {
    if (deadline === Infinity) {
      // Stopped, and never evicted: nothing left to wait for.
      if (tracked.heapIndex >= 0) {
        this.#heap.remove(tracked);
        this.#arm();
      }
      return;
    }
    if (tracked.heapIndex < 0) {
      tracked.heapKey = deadline;
      this.#heap.push(tracked);
    } else if (deadline < tracked.heapKey) {
      tracked.heapKey = deadline;
      this.#heap.update(tracked);
    } else return;
    if (deadline < this.#timerAt) this.#arm();
  }

  /** Applies every deadline up to `now`, in order: late, down, and evictions. */
  #expireDue(now: number): void {
    const heap = this.#heap;
    let applied = false;
    for (let top = heap.peek(); top !== undefined && top.heapKey <= now; top = heap.peek()) {
      const deadline = this.#deadline(top);
      if (deadline > now) {
        this.#requeue(top, deadline);
        continue;
      }
      applied = true;
      const from = top.state;
      if (from === "down" || from === "stopped") {
        heap.remove(top);
        this.#processes.delete(top.process);
        this.#evicted++;
        countTransition(from, "evicted");
        this.#emit({ process: top.process, from, to: "evicted", at: deadline });
        continue;
      }
      const to: ProcessState = from === "late" ? "down" : "late";
      this.#setState(top, to, deadline);
      countTransition(from, to);
      this.#requeue(top, this.#deadline(top));
      this.#emit({ process: top.process, from, to, at: deadline });
    }
    // A process that went down may have been the last live one: the timer need not keep Node up.
    if (applied) this.#arm();
  }

  /** Moves a heap entry to its next deadline, or out of the heap when there is none. */
  #requeue(tracked: Tracked, deadline: number): void {
    if (deadline === Infinity) this.#heap.remove(tracked);
    else {
      tracked.heapKey = deadline;
      this.#heap.update(tracked);
    }
  }

  #onTimer = (): void => {
    this.#cancelTimer = undefined;
    this.#timerAt = Infinity;
    this.#expireDue(this.#time.now());
    this.#arm();
  };

  /** Points the one timer at the earliest heap key. */
  #arm(): void {
    if (this.#closed) return;
    const next = this.#heap.peek()?.heapKey ?? Infinity;
    // A monitor with live processes has deadlines to report, so it keeps the event loop alive
    // until close(); pending evictions of down and stopped processes alone do not.
    const keepAlive = this.#live > 0;
    if (next === this.#timerAt && keepAlive === this.#timerKeepsAlive) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = next;
    this.#timerKeepsAlive = keepAlive;
    if (next === Infinity) return;
    this.#cancelTimer = startTimer(this.#time, this.#onTimer, Math.ceil(next - this.#time.now()), keepAlive);
  }

  #status(tracked: Tracked): ProcessStatus {
    const deadline = this.#deadline(tracked);
    const live = isLive(tracked.state);
    return {
      process: tracked.process,
      state: tracked.state,
      since: tracked.since,
      lastHeartbeat:
        tracked.kind === "stop"
          ? { kind: "stop", at: tracked.lastAt }
          : { kind: tracked.kind, seconds: tracked.seconds, at: tracked.lastAt },
      ...(deadline === Infinity ? {} : live ? { deadline } : { evictAt: deadline }),
    };
  }

  #reject(subject: unknown, payload: unknown, reason: string, at: number): false {
    this.#invalid++;
    if (this.#events.has("invalid")) this.#events.emit("invalid", { subject, payload, reason, at });
    return false;
  }

  /** Whether anyone would see a transition: without an audience, the hot path builds none. */
  #hasAudience(): boolean {
    return this.#events.has("transition") || this.#stream.active;
  }

  #emit(transition: Transition): void {
    this.#transitions++;
    this.#stream.push(transition);
    this.#events.emit("transition", transition);
  }
}

/** Whether a process in this state has a `late` or `down` deadline ahead. */
function isLive(state: ProcessState): boolean {
  return state !== "down" && state !== "stopped";
}

/**
 * A monitor of every process that sends heartbeats: feed it with `receive(subject, payload)`
 * from any subscription, read states with `get()` and `snapshot()`, observe changes with
 * `on("transition", listener)` or `for await`. Checks every option up front
 * (`InvalidOptionError`).
 */
export function createMonitor(options: MonitorOptions = {}): Monitor {
  return new Monitor(options);
}
