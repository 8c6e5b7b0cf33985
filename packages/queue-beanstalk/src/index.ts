export { createBeanstalkQueue } from "./queue.js";
export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_TUBE,
  DEFAULT_TTR_SECONDS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_RESERVE_SLICE_SECONDS,
  DEFAULT_PREFETCH,
} from "./options.js";
export { isValidTubeName, TUBE_NAME_PATTERN } from "./tube.js";
export { BeanstalkCommandError, JobReservedElsewhereError, BEANSTALK_REPLIES, isBeanstalkReply } from "./errors.js";

export type { BeanstalkQueue } from "./queue.js";
export type { BeanstalkQueueOptions } from "./options.js";
export type { BeanstalkQueueEvents, BeanstalkQueueEventName, BeanstalkQueueListener, BeanstalkLogger } from "./events.js";
export type { BeanstalkReply } from "./errors.js";
