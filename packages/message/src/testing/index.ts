/**
 * `@x/message/testing`: the conformance suite every {@link QueueAdapter} runs.
 *
 * ```ts
 * import { describeQueueAdapter } from "@x/message/testing";
 * describeQueueAdapter("file", ({ leaseMs }) => createFileQueue({ dir: tmp(), ttrMs: leaseMs }), { leaseMs: 300 });
 * ```
 * vitest is an optional peer dependency of `@x/message`; only this entry point imports it.
 */

export type { QueueAdapterFactory, QueueAdapterFactoryContext, QueueAdapterSuiteOptions } from "./suite.js";
export { describeQueueAdapter } from "./suite.js";
