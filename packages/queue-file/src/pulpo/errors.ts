import { AdapterError } from "@x/message";

/**
 * The directory given to {@link readPulpoDirectory} cannot be read as a pulpo file queue: it is
 * missing, not a directory, or cannot be listed. A single bad job file is never this error: it is
 * reported as a `corrupt` entry and the reading goes on.
 */
export class PulpoDirectoryError extends AdapterError {
  declare readonly code: "ERR_X_FILE_QUEUE_PULPO_DIRECTORY";
  /** The directory, as given. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`pulpo directory ${path}: ${reason}`, options, "ERR_X_FILE_QUEUE_PULPO_DIRECTORY");
    this.path = path;
    this.reason = reason;
  }
}
