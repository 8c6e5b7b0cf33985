export type { LogFields, Logger } from "@x/core";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export type { BeanstalkErrorCode, BeanstalkReply } from "./errors.js";
export { BeanstalkCommandError, JobReservedElsewhereError } from "./errors.js";
export type { BeanstalkQueueEvents } from "./events.js";
export type { BeanstalkQueueOptions } from "./options.js";
export type { BeanstalkQueue } from "./queue.js";
export { createBeanstalkQueue } from "./queue.js";
export { isValidTubeName } from "./tube.js";
