import { describeQueueAdapter } from "@x/message/testing";
import { createFileQueue, type FileQueue } from "../src/index.js";
import { tempDirs } from "./helpers.js";

const tempDir = tempDirs();

describeQueueAdapter("file", ({ leaseMs }) => createFileQueue({ dir: tempDir(), ttrMs: leaseMs }), {
  leaseMs: 400,
  // Another process would open the same directory; a second adapter is exactly that.
  share: (queue) => createFileQueue({ dir: (queue as FileQueue).dir, ttrMs: 400 }),
});
