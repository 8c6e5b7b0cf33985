import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileQueue } from "@x/queue-file";
import { describePulpoScenarios } from "./scenarios.js";

describePulpoScenarios("file", async ({ leaseMs }) => {
  const dir = await mkdtemp(join(tmpdir(), "x-worker-file-"));
  // fsync off: these tests are about the worker, and fsync on a loaded disk only slows them down.
  const open = () => createFileQueue({ dir, ttrMs: leaseMs, fsync: false, pollIntervalMs: 20 });
  const queue = open();
  return {
    queue,
    share: async () => open(),
    close: async () => {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
