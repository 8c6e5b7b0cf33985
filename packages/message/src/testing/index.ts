/**
 * `@x/message/testing`: the conformance suite every {@link QueueAdapter} runs.
 *
 * ```ts
 * import { describeQueueAdapter } from "@x/message/testing";
 * describeQueueAdapter("file", ({ leaseMs }) => createFileQueue({ dir: tmp(), ttrMs: leaseMs }), { leaseMs: 300 });
 * ```
 * vitest is an optional peer dependency of `@x/message`; only this entry point imports it.
 */
export { describeQueueAdapter } from "./suite.js";
export type { QueueAdapterFactory, QueueAdapterSuiteOptions, QueueAdapterFactoryContext } from "./suite.js";
