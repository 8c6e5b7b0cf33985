export { XError, InvalidOptionError, describeValue } from "./errors.js";
export { silentLogger, loggerOption } from "./logger.js";
export { checkOptionKeys, durationMsOption, integerOption } from "./options.js";
export { systemTime, timeSourceOption, sleep, MAX_TIMER_MS } from "./time.js";
export { Emitter } from "./emitter.js";

export type { Logger, LogFields, LogMethod } from "./logger.js";
export type { DurationBounds } from "./options.js";
export type { TimeSource, TimerHandle } from "./time.js";
export type { Listener, Observable, Unsubscribe } from "./emitter.js";
