import { join } from "node:path";
import { type RunningServer, startBeanstalkd } from "@x/test-servers";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll } from "vitest";

const packageDir = join(import.meta.dirname, "..");

/** What each runnable README block must print, in order. */
const expected: string[] = [
  "send_email { to: 'urgent@example.com' } 0 30000\n{ ready: 1, reserved: 0, buried: 0 }\n",
  "idle a.png b.png c.png d.png e.png 5\n",
  "{\n  customIds: false,\n  buryReason: false,\n  delayResolutionMs: 1000,\n  list: true,\n  enqueueMany: true,\n  bulk: true,\n  pause: true,\n  progress: false\n}\nfalse true\n",
  "buried the payment: card declined (foreign: false)\nburied\n",
  [
    "false",
    "[ true, true, true ]",
    "buried render 1 { invoice: 1 }",
    "buried render 1 { invoice: 2 }",
    "true null",
    "{ matched: 2, changed: 2 }",
    "render { invoice: 1 } 1",
    "",
  ].join("\n"),
  "tube - option `tube` may only contain letters, digits and -+/;.$_() (beanstalkd's rule), got no spaces allowed\nERR_X_QUEUE_JOB_TOO_BIG 65535\n",
  "true upper hello\n",
];

let server: RunningServer;
beforeAll(async () => {
  // A server of its own, so the examples' tubes start empty.
  server = await startBeanstalkd();
  process.env.BEANSTALKD_HOST = server.host;
  process.env.BEANSTALKD_PORT = String(server.port);
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describeReadmeExamples({ packageDir, expected });
