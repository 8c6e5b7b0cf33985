/**
 * What the fault scenarios share: producers that count what `enqueue` confirmed, a ledger of
 * deliveries, and the report (lost = confirmed but never handled; duplicated = deliveries beyond
 * the first).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectionError, QueueError, TimeoutError } from "@x/message";
import { printFaultReport } from "@x/test-servers";
import type { BeanstalkQueue } from "../../src/index.js";

/** Producer loops that enqueue until stopped, each waiting for its previous put. */
export interface Producers {
  /** Ids `enqueue` resolved with. */
  readonly confirmed: Set<string>;
  /** Rejected enqueues, by error class name. */
  readonly rejected: Map<string, number>;
  /** Rejections that were not a documented connection failure (must stay empty). */
  readonly unexpected: unknown[];
  stop(): Promise<void>;
}

export function startProducers(queue: BeanstalkQueue, loops: number, pauseMs: number): Producers {
  const confirmed = new Set<string>();
  const rejected = new Map<string, number>();
  const unexpected: unknown[] = [];
  const state = { stopped: false };
  let sequence = 0;
  const loop = async (): Promise<void> => {
    while (!state.stopped) {
      try {
        const sent = await queue.enqueue({ requestType: "work", payload: { n: sequence++ } });
        confirmed.add(sent.id);
      } catch (err) {
        if (err instanceof ConnectionError || err instanceof TimeoutError) {
          rejected.set(err.constructor.name, (rejected.get(err.constructor.name) ?? 0) + 1);
        } else {
          unexpected.push(err);
          if (!(err instanceof QueueError)) throw err;
        }
      }
      await sleep(pauseMs);
    }
  };
  const running = Array.from({ length: loops }, () => loop());
  return {
    confirmed,
    rejected,
    unexpected,
    stop: async () => {
      state.stopped = true;
      await Promise.all(running);
    },
  };
}

/** Deliveries per job id. */
export class Ledger {
  readonly #deliveries = new Map<string, number>();

  record(id: string): void {
    this.#deliveries.set(id, (this.#deliveries.get(id) ?? 0) + 1);
  }

  handledAll(ids: Iterable<string>): boolean {
    for (const id of ids) if (!this.#deliveries.has(id)) return false;
    return true;
  }

  /** Counts against what was confirmed, printed as a `fault-report` line. */
  report(
    scenario: string,
    confirmed: ReadonlySet<string>,
    extra: Record<string, string | number> = {},
  ): { lost: number; duplicated: number; handled: number } {
    let handled = 0;
    let duplicated = 0;
    let unconfirmedHandled = 0;
    for (const [id, count] of this.#deliveries) {
      duplicated += count - 1;
      if (confirmed.has(id)) handled++;
      else unconfirmedHandled++;
    }
    const lost = confirmed.size - handled;
    printFaultReport({ scenario, confirmed: confirmed.size, handled, lost, duplicated, unconfirmedHandled, ...extra });
    return { lost, duplicated, handled };
  }
}

/** Summary of rejections for the report: `ConnectionError:3 TimeoutError:1`. */
export function describeRejections(rejected: ReadonlyMap<string, number>): string {
  return [...rejected].map(([name, count]) => `${name}:${String(count)}`).join(" ") || "none";
}
