/**
 * Errors of @x/queue-beanstalk. Failures surface as @x/message's shared classes
 * (`ConnectionError`, `JobTooBigError`, `LeaseLostError`, `QueueClosedError`, `TimeoutError`,
 * `InvalidArgumentError`, ...), so callers branch on `instanceof` or `code` whatever the queue.
 * The two classes below are `AdapterError`s (so `instanceof AdapterError` still catches them) for
 * the failures only beanstalkd has, each with a code of its own.
 */
import { AdapterError } from "@x/message";

/** The codes of this package's own classes; unique across the toolkit. */
export type BeanstalkErrorCode = "ERR_X_BEANSTALK_COMMAND" | "ERR_X_BEANSTALK_JOB_RESERVED_ELSEWHERE";

/** The reply words beanstalkd uses when a command does not succeed. */
export const BEANSTALK_REPLIES = [
  "NOT_FOUND",
  "TIMED_OUT",
  "DEADLINE_SOON",
  "BURIED",
  "JOB_TOO_BIG",
  "BAD_FORMAT",
  "EXPECTED_CRLF",
  "DRAINING",
  "OUT_OF_MEMORY",
  "INTERNAL_ERROR",
  "UNKNOWN_COMMAND",
  "NOT_IGNORED",
] as const;

/** One of {@link BEANSTALK_REPLIES}. */
export type BeanstalkReply = (typeof BEANSTALK_REPLIES)[number];

const KNOWN: ReadonlySet<string> = new Set(BEANSTALK_REPLIES);

/** Whether a reply word is one beanstalkd documents. */
export function isBeanstalkReply(word: string): word is BeanstalkReply {
  return KNOWN.has(word);
}

const EXPLANATIONS: Readonly<Record<BeanstalkReply, string>> = {
  NOT_FOUND: "no such job (or not reserved by this connection)",
  TIMED_OUT: "no job within the timeout",
  DEADLINE_SOON: "a job reserved by this connection is about to reach its TTR",
  BURIED: "the server ran out of memory growing a priority queue and buried the job",
  JOB_TOO_BIG: "the job body is larger than the server's max-job-size",
  BAD_FORMAT: "the server could not parse the command",
  EXPECTED_CRLF: "the job body was not followed by CRLF",
  DRAINING: "the server is in drain mode and accepts no new jobs",
  OUT_OF_MEMORY: "the server is out of memory",
  INTERNAL_ERROR: "the server hit an internal error",
  UNKNOWN_COMMAND: "the server does not know the command",
  NOT_IGNORED: "cannot ignore the only watched tube",
};

/**
 * beanstalkd answered a command with an error reply (fivebeans hands these over as bare
 * strings). `reply` is the server's word, e.g. `"DRAINING"`; `command` the command sent.
 */
export class BeanstalkCommandError extends AdapterError {
  declare readonly code: "ERR_X_BEANSTALK_COMMAND";
  /** The server's reply word (`NOT_FOUND`, `DRAINING`, ...), or whatever else it sent. */
  readonly reply: BeanstalkReply | "UNEXPECTED_REPLY";
  /** The raw reply when it was not a documented word. */
  readonly raw: string;
  /** The command that got the reply (`put`, `reserve-with-timeout`, ...). */
  readonly command: string;

  constructor(command: string, raw: string, options?: ErrorOptions) {
    const reply = isBeanstalkReply(raw) ? raw : "UNEXPECTED_REPLY";
    const why = reply === "UNEXPECTED_REPLY" ? `unexpected reply ${JSON.stringify(raw.slice(0, 80))}` : `${reply}: ${EXPLANATIONS[reply]}`;
    super(`beanstalkd ${command}: ${why}`, options, "ERR_X_BEANSTALK_COMMAND");
    this.reply = reply;
    this.raw = raw;
    this.command = command;
  }
}

/**
 * `delete(id)` of a job that another connection (another process, or another adapter) has
 * reserved: beanstalkd lets only the holder delete a reserved job. It becomes deletable once its
 * holder releases it or its TTR runs out.
 */
export class JobReservedElsewhereError extends AdapterError {
  declare readonly code: "ERR_X_BEANSTALK_JOB_RESERVED_ELSEWHERE";
  /** The id of the job that could not be deleted. */
  readonly jobId: string;

  constructor(jobId: string, options?: ErrorOptions) {
    super(
      `job ${jobId} is reserved by another connection; beanstalkd lets only its holder delete it ` +
        "(retry after it is released or its TTR runs out)",
      options,
      "ERR_X_BEANSTALK_JOB_RESERVED_ELSEWHERE",
    );
    this.jobId = jobId;
  }
}
