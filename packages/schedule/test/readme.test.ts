import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeReadmeExamples } from "@x/test-servers/vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The exact output of each ```ts block of the README, in order. */
const expected: string[][] = [
  ["nightly-report 2026-03-29T01:00:00.000Z 2026-03-30T01:00:00.000Z", "ping 2026-03-28T12:00:30.000Z 2026-03-28T12:01:00.000Z"],
  ["ids: sched.every-second.<tick>", "each tick enqueued once: true", "copies refused by the queue: yes"],
];

describeReadmeExamples({ packageDir, expected });
