import { randomBytes } from "node:crypto";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { NatsQueue } from "../src/index.js";

/** A queue name no other test uses, so every test starts with an empty stream. */
export function freshQueueName(prefix = "t"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

/** One nats-server for a test file, and the queues each test opened, closed after it. */
export interface FileServer {
  /** The server's URL (once `beforeAll` has started it). */
  readonly url: string;
  /** Closes these queues after the running test. */
  closeAfterTest(...queues: NatsQueue[]): void;
}

/** Starts a nats-server for the calling test file (`beforeAll`) and stops it after (`afterAll`). */
export function serverForFile(): FileServer {
  let server: RunningServer | undefined;
  const opened: NatsQueue[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });
  return {
    get url() {
      if (server === undefined) throw new Error("the nats-server starts in beforeAll: use url inside a test");
      return server.url;
    },
    closeAfterTest(...queues) {
      opened.push(...queues);
    },
  };
}
