import { join } from "node:path";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll } from "vitest";

const packageDir = join(import.meta.dirname, "..");

/** What each runnable README block must print, in order. */
const expected: string[] = [
  "welcome-42 { to: 'urgent@example.com' } 0 30000 InvalidArgumentError\n{ ready: 1, reserved: 0, buried: 0, paused: false }\n",
  "true idle a.png b.png c.png d.png e.png 5\n",
  "{ matched: 1, changed: 1 } { matched: 1, changed: 1 } { ready: 1, delayed: 0 }\n",
];

let server: RunningServer;
beforeAll(async () => {
  // A server of its own, so the examples' queues start empty.
  server = await startNatsServer();
  process.env.NATS_URL = server.url;
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describeReadmeExamples({ packageDir, expected });
