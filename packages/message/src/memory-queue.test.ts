import { describeQueueAdapter } from "./testing/index.js";
import { createMemoryQueue } from "./memory-queue.js";

describeQueueAdapter("memory", ({ leaseMs }) => createMemoryQueue({ leaseMs }), { leaseMs: 150 });
