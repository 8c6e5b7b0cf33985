import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The exact output of each ```ts block of the README, in order. */
const expected: string[][] = [
  ["send_email { to: 'grace@example.com' } attempt 0", "send_email { to: 'ada@example.com' } attempt 0"],
  ["at once: null", "later: invoice-7 attempts 1", "old holder: true"],
  [
    "[ 'buried', 'image is corrupt' ]",
    "moved ready/notes.txt aside: not a file name this queue writes (a stranger's file?)",
    "{",
    "  ready: 0,",
    "  delayed: 0,",
    "  reserved: 0,",
    "  buried: 1,",
    "  paused: false,",
    "  extra: { corrupt: 1 }",
    "}",
    "kicked 1",
    "cat.png attempts 1",
  ],
  ["shutting down", "later"],
  [
    "stored, stored, stored, `priority` must be an integer, got 1.5",
    "resize cat.png | resize failed: disk full | attempts 1",
    "resize dog.png | resize failed: disk full | attempts 1",
    "mail ada@example.com | mail failed: disk full | attempts 1",
    "paused: true",
    "{ matched: 2, changed: 2 }",
    "while paused: null",
    "after resume: cat.png attempts 1",
  ],
  // Coming from pulpo
  ["ready 1765000000.5-a 2026-12-05T16:38:06.401Z 0", "corrupt 1765000001.5-b ERR_X_FILE_QUEUE_CORRUPT_JOB", "locked 1765000002.5-c - 1"],
];

// The examples make their queues under os.tmpdir(); the children inherit TMPDIR, so they land here.
const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-readme-"));
const previous = process.env.TMPDIR;
beforeAll(() => {
  process.env.TMPDIR = scratch;
});
afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(scratch, { recursive: true, force: true });
});

describeReadmeExamples({ packageDir, expected });
