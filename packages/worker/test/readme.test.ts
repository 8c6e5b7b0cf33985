import { join } from "node:path";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { describe, expect, it } from "vitest";

const packageDir = join(import.meta.dirname, "..");

/** What each runnable README block prints, in order: the README shows the same text. */
const expected: string[] = [
  'attempt 1: "Welcome" to ada@example.com\nidle 1\n',
  "notify ada\nresize cat.png to 200px\n",
  [
    "retried cat.png in 10 ms",
    "buried (fatal): FatalError: card declined (4200 cents)",
    'buried (no-handler): no handler for request type "unknown"',
    "expired old.png: bury",
    "retried cat.png in 20 ms",
    "succeeded cat.png on attempt 3",
    '{"reserved":6,"succeeded":1,"retried":2,"buried":2,"expired":1,"errors":0,"inFlight":0}',
    '{"ready":0,"delayed":0,"reserved":0,"buried":3,"paused":false}',
    "",
  ].join("\n"),
  "500 500 500 500 500\n100 200 400 800 1000\n1000 5000 60000 60000 60000\n1000 2000 4000 8000 16000\n",
  "invoice for o-17\n",
  "attempt 1 timed out after 50 ms\nretried: HandlerTimeoutError\nattempt 2: rendered report.pdf\n",
  'import-7: {"row":1,"of":3}\nimport-7: {"row":2,"of":3}\nimport-7: {"row":3,"of":3}\nlisted: import-7 at {"row":3,"of":3}\n',
  "quote: 750 cents\nrefund failed: FatalError: order o-9 was never paid\n",
  "refused at enqueue: email\nwelcome ada@example.com (free)\nburied on attempt 1 (invalid-payload)\n",
  "sms to ada\nsms to grace\nsms to alan deferred by 30 s, attempts 0\nreport\ndelayed: 1\n",
  [
    "aborted: the worker stopped before the job finished",
    "released (shutdown: true), priority 7",
    'closed {"ready":1,"delayed":0,"reserved":0,"buried":0,"paused":false}',
    "",
  ].join("\n"),
  "heartbeat.billing.worker start/30\nheartbeat.billing.worker beat/10\nheartbeat.billing.worker stop\n",
  [
    'info worker started {"queue":"memory","concurrency":1}',
    'warn job buried {"jobId":"job-1","requestType":"unknown","attempt":1,"reason":"no-handler","detail":"no handler for request type \\"unknown\\""}',
    'info worker stopping {"reason":"idle"}',
    'info worker stopped {"reason":"idle"}',
    "job-1",
    "",
  ].join("\n"),
  "ERR_X_INVALID_OPTION concurency\n",
];

describeReadmeExamples({ packageDir, expected });

describe("README text", () => {
  it("the README shows each block's output", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(join(packageDir, "README.md"), "utf8");
    for (const output of expected) {
      const lines = output.trim().split("\n");
      // Short outputs are quoted inline, long ones in a text block: every line appears either way.
      for (const line of lines) expect(readme).toContain(line);
    }
  });
});
