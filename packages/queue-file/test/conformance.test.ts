import { describeQueueAdapter } from "@x/message/testing";
import { createFileQueue, type FileQueue } from "../src/index.js";
import { tempDirs } from "./helpers.js";

const tempDir = tempDirs();
const LEASE_MS = 1_000;

describeQueueAdapter("file", ({ leaseMs }) => createFileQueue({ dir: tempDir(), ttrMs: leaseMs }), {
  // Long enough that a test process stalled by a busy machine (the lease and touch tests check
  // that a held job stays held) does not lose its lease by accident.
  leaseMs: LEASE_MS,
  // Another process would open the same directory; a second adapter is exactly that.
  share: (queue) => createFileQueue({ dir: (queue as FileQueue).dir, ttrMs: LEASE_MS }),
});
