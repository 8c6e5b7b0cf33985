/**
 * One unit of work for the throughput benchmark, ours and the baseline, so that the
 * single-process run and each child process of the 4-process run do exactly the same thing.
 */
import { fsync, mkdirSync, openSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { QueueAdapter } from "@x/message";

const PAYLOAD = { to: "someone@example.com", subject: "hello", lines: ["a short job", "of about 150 bytes"] };
const BYTES = Buffer.from(JSON.stringify({ id: "x", header: { priority: 65536, attempts: 0 }, body: { payload: PAYLOAD } }));

const fsyncAsync = promisify(fsync);

/** The two bare baselines: the issue's, and the same with the directory fsync a durable rename needs. */
export type Bare = "bare" | "bare+dirsync";

/**
 * The bare file-system operations of one durable job: write + fsync + rename + unlink, and with
 * `bare+dirsync` an fsync of the directory after the rename (without it the rename itself may be
 * lost in a power cut: the queue does it, so this is the floor the queue can be held to).
 */
export function bareJob(dir: string, mode: Bare = "bare"): () => Promise<void> {
  mkdirSync(join(dir, "tmp"), { recursive: true });
  mkdirSync(join(dir, "ready"), { recursive: true });
  let n = 0;
  const prefix = `${process.pid}-`;
  // A plain descriptor, kept open for the process's life as the queue keeps its own: a FileHandle
  // would be closed by the garbage collector with a deprecation warning.
  let directory: number | undefined;
  return async () => {
    const name = `${prefix}${n++}`;
    const temp = join(dir, "tmp", name);
    const handle = await open(temp, "wx", 0o600);
    await handle.writeFile(BYTES);
    await handle.sync();
    await handle.close();
    await rename(temp, join(dir, "ready", name));
    if (mode === "bare+dirsync") {
      directory ??= openSync(join(dir, "ready"), "r");
      await fsyncAsync(directory);
    }
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
