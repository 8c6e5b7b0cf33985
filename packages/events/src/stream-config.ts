import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import type { AnyEvent, Retention } from "./event.js";

/** JetStream's default de-duplication window (2 minutes), in milliseconds. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

const RETENTION: Record<Retention, RetentionPolicy> = {
  interest: RetentionPolicy.Interest,
  limits: RetentionPolicy.Limits,
  workqueue: RetentionPolicy.Workqueue,
};

/** Milliseconds to the nanoseconds the JetStream API expects. */
export const nanos = (ms: number): number => Math.round(ms * 1_000_000);

/** The stream configuration of an event: one subject, its limits and retention, file storage. */
export function streamConfigOf(event: AnyEvent): Partial<StreamConfig> & { name: string } {
  const { limits } = event;
  const config: Partial<StreamConfig> & { name: string } = {
    name: event.streamName,
    subjects: [event.subject],
    retention: RETENTION[event.retention],
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    // The server refuses a duplicate window longer than max_age on update, so clamp it.
    duplicate_window: nanos(Math.min(DEFAULT_DUPLICATE_WINDOW_MS, limits.ageMs ?? DEFAULT_DUPLICATE_WINDOW_MS)),
    max_age: limits.ageMs === undefined ? 0 : nanos(limits.ageMs),
    max_consumers: limits.consumers ?? -1,
    max_msgs: limits.messages ?? -1,
    max_bytes: limits.bytes ?? -1,
    max_msg_size: limits.messageSize ?? -1,
    num_replicas: event.replicas,
  };
  if (event.description !== undefined) config.description = event.description;
  return config;
}
