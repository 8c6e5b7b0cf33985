/**
 * One unit of work for the throughput benchmark, ours and the baseline, so that the
 * single-process run and each child process of the 4-process run do exactly the same thing.
 */
import { mkdirSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { QueueAdapter } from "@x/message";

const PAYLOAD = { to: "someone@example.com", subject: "hello", lines: ["a short job", "of about 150 bytes"] };
const BYTES = Buffer.from(JSON.stringify({ id: "x", header: { priority: 65536, attempts: 0 }, body: { payload: PAYLOAD } }));

/** The bare file-system operations one durable job needs: write + fsync + rename + unlink. */
export function bareJob(dir: string): () => Promise<void> {
  mkdirSync(join(dir, "tmp"), { recursive: true });
  mkdirSync(join(dir, "ready"), { recursive: true });
  let n = 0;
  const prefix = `${process.pid}-`;
  return async () => {
    const name = `${prefix}${n++}`;
    const temp = join(dir, "tmp", name);
    const handle = await open(temp, "wx", 0o600);
    await handle.writeFile(BYTES);
    await handle.sync();
    await handle.close();
    await rename(temp, join(dir, "ready", name));
    await unlink(join(dir, "ready", name));
  };
}

/** One job through the queue: durable enqueue, reserve, ack. */
export function queueJob(queue: QueueAdapter): () => Promise<void> {
  return async () => {
    await queue.enqueue({ requestType: "mail", payload: PAYLOAD });
    // With other processes on the directory, the job this process gets may be another's.
    const job = await queue.reserve();
    await job?.ack();
  };
}
