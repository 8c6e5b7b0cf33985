export type { Listener, Observable, Unsubscribe } from "./emitter.js";
export { Emitter } from "./emitter.js";
export { describeValue, InvalidOptionError, XError } from "./errors.js";
export type { LogFields, Logger, LogMethod } from "./logger.js";
export { loggerOption, silentLogger } from "./logger.js";
export type { DurationBounds } from "./options.js";
export { checkOptionKeys, durationMsOption, integerOption } from "./options.js";
export type { TimerHandle, TimeSource } from "./time.js";
export { MAX_TIMER_MS, sleep, systemTime, timeSourceOption } from "./time.js";
