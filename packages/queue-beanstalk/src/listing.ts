import { createMessage, type JobListing, MAX_PRIORITY, type Message, withHeader } from "@x/message";
import { readJobBody } from "./interop.js";
import type { RawJob } from "./protocol/session.js";
import type { JobStats } from "./protocol/stats.js";

/**
 * The message with the job's live priority and attempt count from the server, not from the body.
 * `reserves` counts the current delivery of a reserved job, which is not an earlier attempt.
 */
export function withServerCounts(message: Message, stats: JobStats): Message {
  const earlier = stats.state === "reserved" ? Math.max(0, stats.reserves - 1) : stats.reserves;
  return withHeader(message, { priority: Math.min(stats.pri, MAX_PRIORITY), attempts: message.header.attempts + earlier });
}

/**
 * A job body that is not a message (the adapter buries those when it reserves them) still has to
 * show up in a listing: its text becomes the payload, and the header key `foreignBody` says why it
 * is not a message. It has no request type.
 */
function foreignMessage(raw: RawJob, reason: string): Message {
  const message = createMessage({ payload: raw.body.toString("utf8"), header: { foreignBody: reason } });
  return { ...message, id: String(raw.id) };
}

/**
 * One job as `list()` shows it. Times come from `stats-job`, in whole seconds relative to `now`
 * (epoch ms): `age` gives `enqueuedAt`, `time-left` gives `readyAt` (delayed) or `leaseEndsAt`
 * (reserved). beanstalkd keeps no bury reason, bury time or lease holder.
 */
export function toListing(stats: JobStats, raw: RawJob, now: number): JobListing {
  const reading = readJobBody(raw.id, raw.body);
  const message = withServerCounts(reading.kind === "message" ? reading.message : foreignMessage(raw, reading.reason), stats);
  const listing = {
    id: String(stats.id),
    state: stats.state,
    requestType: message.header.requestType ?? "",
    priority: message.header.priority,
    attempts: message.header.attempts,
    enqueuedAt: now - stats.age * 1000,
    message,
  };
  if (stats.state === "delayed") return { ...listing, readyAt: now + stats.timeLeft * 1000 };
  if (stats.state === "reserved") return { ...listing, leaseEndsAt: now + stats.timeLeft * 1000 };
  return listing;
}
