export type { PulpoTimeZone } from "./decode-file.js";
export { PulpoDirectoryError } from "./errors.js";
export type { PulpoCorruptFile, PulpoEntry, PulpoJob, PulpoReadOptions } from "./read-directory.js";
export { readPulpoDirectory } from "./read-directory.js";
