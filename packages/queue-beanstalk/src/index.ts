export { createBeanstalkQueue } from "./queue.js";
export { isValidTubeName } from "./tube.js";
export { BeanstalkCommandError, JobReservedElsewhereError } from "./errors.js";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";

export type { Logger, LogFields } from "@x/core";
export type { BeanstalkQueue } from "./queue.js";
export type { BeanstalkQueueOptions } from "./options.js";
export type { BeanstalkQueueEvents } from "./events.js";
export type { BeanstalkErrorCode, BeanstalkReply } from "./errors.js";
