/**
 * How the demo tells what happens, for someone who has never seen a job queue: each line starts
 * with the time since the worker started, heartbeats say what they mean, outcomes name the job.
 */
import type { Message } from "@x/message";

/** What a heartbeat payload (`<kind>/<seconds>`, the beatit convention) tells a monitor. */
export function explainHeartbeat(payload: string): string {
  const [kind, seconds] = payload.split("/");
  switch (kind) {
    case "start":
      return `starting: the first beat is due within ${seconds ?? "?"} s`;
    case "beat":
      return `healthy: the next heartbeat is due within ${seconds ?? "?"} s`;
    case "degraded":
      return "degraded: still alive, but handler runs keep failing (or the queue does)";
    case "stop":
      return "stopped: a clean shutdown, so a monitor will not call the worker dead";
    default:
      return "";
  }
}

/** `send_email {"to":"ada@example.com"}`: the request type and the payload (if any), short. */
export function jobLabel(message: Message): string {
  const type = message.header.requestType ?? "(no type)";
  return message.body.payload === undefined ? type : `${type} ${JSON.stringify(message.body.payload)}`;
}

/** Seconds since `start`, right-aligned, so the delays and backoffs of the story show. */
export function clock(start: number): () => string {
  return () => `${((performance.now() - start) / 1000).toFixed(2).padStart(5)} s`;
}

/** Counts and leftovers for the closing lines. */
export interface StoryEnd {
  readonly jobs: number;
  readonly succeeded: number;
  readonly succeededAfterRetries: number;
  readonly retries: number;
  readonly buried: number;
  readonly expired: number;
  readonly errors: number;
  readonly seconds: number;
  readonly left: { readonly ready: number; readonly delayed: number; readonly reserved: number; readonly buried: number };
}

/** The summary: one line per outcome, then what is left in the queue. */
export function summaryLines(end: StoryEnd): string[] {
  const { left } = end;
  return [
    `summary: ${end.jobs} jobs in ${end.seconds} s`,
    `  ${end.succeeded} succeeded (${end.succeededAfterRetries} of them after retries; ${end.retries} retries in all)`,
    `  ${end.buried} buried: failed for good, kept for inspection`,
    `  ${end.expired} expired: too late to start, buried without running`,
    `  ${end.errors} errors`,
    `  left in the queue: ${left.ready} ready, ${left.delayed} delayed, ${left.reserved} reserved, ${left.buried} buried`,
  ];
}
