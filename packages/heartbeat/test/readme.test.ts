import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNatsServer } from "@x/test-servers";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

const beatitLines = [
  "b'start/60' -> b'heartbeat.my.process.identifier'",
  "b'beat/5' -> b'heartbeat.my.process.identifier'",
  "b'degraded/5' -> b'heartbeat.my.process.identifier'",
  "b'stop' -> b'heartbeat.my.process.identifier'",
];

/** The exact output of each ```ts block of the README, in order. */
const expected: string[][] = [
  beatitLines,
  beatitLines,
  ["b'start/30' -> heartbeat.my.process.identifier"],
  [
    "sent R, next within 0.5 s",
    "{}",
    "sent R, next within 0.5 s",
    "server says H (was R)",
    "{ workflowRunStatus: 'H' }",
    "sent H, next within 0.5 s",
    "stopped, status H",
  ],
  [
    'POST /api/v3/workflow_run/42/log_heartbeat {"status":"R","next_report_increment":93}',
    "{}",
    'POST /api/v3/workflow_run/42/log_heartbeat {"status":"R","next_report_increment":93}',
    "{ workflowRunStatus: 'C' }",
  ],
  [
    "demo.worker: new -> starting",
    "demo.worker: starting -> up",
    "demo.worker: up -> late",
    "demo.worker: late -> down",
    "demo.worker: down -> starting",
    "demo.worker: starting -> stopped",
    "[ 'demo.worker is stopped' ]",
  ],
  [
    "billing.worker.1: new -> starting",
    "billing.worker.1: starting -> up",
    'invalid: payload "beat/later": seconds are not a decimal number',
    "billing.worker.1: up -> stopped",
  ],
];

let nats: Awaited<ReturnType<typeof startNatsServer>>;

beforeAll(async () => {
  // The NATS example reads the server URL from NATS_URL; the child inherits it.
  nats = await startNatsServer({ jetstream: false });
  process.env.NATS_URL = nats.url;
});

afterAll(async () => {
  delete process.env.NATS_URL;
  await nats[Symbol.asyncDispose]();
});

describeReadmeExamples({ packageDir, expected });
