import { createMemoryQueue } from "@x/message";
import { describePulpoScenarios } from "./scenarios.js";

describePulpoScenarios("memory", async ({ leaseMs }) => {
  const queue = createMemoryQueue({ leaseMs });
  return {
    queue,
    // Several "processes" on one memory queue share the same object; closing happens once.
    share: async () => ({ ...queue, close: async () => undefined }),
    close: () => queue.close(),
  };
});
