import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { createNatsQueue } from "@x/queue-nats";

/** The queue the demo runs on, and how to tidy up after it. */
export interface DemoQueue {
  readonly queue: QueueAdapter;
  /** What the first line of the story calls it. */
  readonly kind: string;
  /** Where it is: a directory, or a server and a queue name. */
  readonly where: string;
  /**
   * Removes what the demo left (its buried jobs) so it can run again: the temp directory of a
   * file queue, the listed jobs of a NATS queue. Then closes the queue.
   */
  readonly cleanUp: (leftIds: readonly string[]) => Promise<void>;
}

/** How to pick the queue: unset for the file queue, `nats://host:port/queue` for NATS JetStream. */
export const QUEUE_VARIABLE = "JOBS_QUEUE";

/**
 * Opens the queue `JOBS_QUEUE` names. Unset or empty: a file queue in a fresh temp directory
 * (no server). `nats://host:port/<queue>`: the queue `<queue>` on that nats-server (with
 * JetStream). Anything else fails here, saying what is accepted.
 */
export async function openDemoQueue(env: NodeJS.ProcessEnv): Promise<DemoQueue> {
  const setting = env[QUEUE_VARIABLE]?.trim() ?? "";
  if (setting === "") {
    const dir = await mkdtemp(join(tmpdir(), "x-jobs-demo-"));
    const queue = createFileQueue({ dir });
    return {
      queue,
      kind: "a file queue (a directory, no server)",
      where: dir,
      cleanUp: async () => {
        await queue.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const url = parseNatsQueueUrl(setting);
  const queue = createNatsQueue({ servers: url.server, queue: url.queue });
  return {
    queue,
    kind: `a NATS JetStream queue (${url.queue} on ${url.server})`,
    where: setting,
    cleanUp: async (leftIds) => {
      try {
        for (const id of leftIds) await queue.delete(id);
      } finally {
        await queue.close();
      }
    },
  };
}

/** Splits `nats://host:port/queue` into the server's URL and the queue's name. */
export function parseNatsQueueUrl(setting: string): { server: string; queue: string } {
  const match = /^(nats:\/\/[^/\s]+)\/([A-Za-z0-9_-]{1,64})$/.exec(setting);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new Error(
      `${QUEUE_VARIABLE} must be unset (a file queue in a temp dir) or nats://host:port/<queue> (a queue name of 1 to 64 letters, digits, _ and -), got "${setting}"`,
    );
  }
  return { server: match[1], queue: match[2] };
}
