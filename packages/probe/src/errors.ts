/**
 * The error vocabulary of `@x/probe`. Callers branch on `instanceof` or `code`, never on
 * message text.
 */

import { XError } from "@x/core";

export { InvalidOptionError } from "@x/core";

/** Stable, machine-readable error codes, unique across the `@x` toolkit. */
export type ProbeErrorCode =
  | "ERR_X_PROBE_INVALID_MESSAGE"
  | "ERR_X_PROBE_INVALID_CHECK"
  | "ERR_X_PROBE_CHECK_TIMEOUT"
  | "ERR_X_PROBE_CHECK_NO_RESULT"
  | "ERR_X_PROBE_COMMAND"
  | "ERR_X_PROBE_HANDLE_EOF"
  | "ERR_X_PROBE_HANDLE_READ"
  | "ERR_X_PROBE_OUTPUT"
  | "ERR_X_PROBE_OUTPUT_PATH"
  | "ERR_X_PROBE_INVALID_ADDRESS"
  | "ERR_X_PROBE_UNIX_DATAGRAM"
  | "ERR_X_PROBE_OUTPUT_CLOSED"
  | "ERR_X_PROBE_CHECKS_MODULE"
  | "ERR_X_PROBE_USAGE";

/**
 * Base class of every error thrown by `@x/probe`, except bad options, which are `@x/core`'s
 * `InvalidOptionError` as in every `@x` package.
 */
export class ProbeError extends XError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: ProbeErrorCode;

  // Narrows the code to this package's codes; XError's constructor does the rest.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: ProbeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The base of an error class that carries only a message: the subclass names the code once,
 * instead of repeating the same constructor.
 */
function messageError(code: ProbeErrorCode): new (message: string, options?: ErrorOptions) => ProbeError {
  return class extends ProbeError {
    constructor(message: string, options?: ErrorOptions) {
      super(code, message, options);
    }
  };
}

/** Something that is not a valid seismometer v3 message; `reason` says what is wrong. */
export class InvalidProbeMessageError extends ProbeError {
  /** What is wrong, e.g. `location.host must be a string`. */
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super("ERR_X_PROBE_INVALID_MESSAGE", `invalid message: ${reason}`, options);
    this.reason = reason;
  }
}

/** An element of a checks list that is neither a check nor a handle. */
export class InvalidCheckError extends ProbeError {
  /** Position of the element in the checks list. */
  readonly index: number;

  constructor(index: number, problem: string, options?: ErrorOptions) {
    super("ERR_X_PROBE_INVALID_CHECK", `check #${index} ${problem}`, options);
    this.index = index;
  }
}

/** A check did not finish within its timeout; it was aborted. */
export class CheckTimeoutError extends ProbeError {
  /** The timeout that ran out (ms). */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_PROBE_CHECK_TIMEOUT", `timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A check's `run()` returned `undefined` (most likely a forgotten `return`). Checks return an
 * empty list to mean "nothing this time".
 */
export class CheckNoResultError extends ProbeError {
  constructor(options?: ErrorOptions) {
    super("ERR_X_PROBE_CHECK_NO_RESULT", "check returned nothing (return [] for no messages)", options);
  }
}

/** A command could not be started, or its output exceeded the limit. */
export class CommandError extends messageError("ERR_X_PROBE_COMMAND") {}

/**
 * Thrown by a handle's `readMessages()` at end of file: the scheduler closes the handle and
 * reopens it later with backoff (DumbProbe's `HandleEOF`).
 */
export class HandleEofError extends messageError("ERR_X_PROBE_HANDLE_EOF") {}

/**
 * A handle could not turn what it read into messages (a line that does not parse, a line too
 * long), or its `readMessages()` threw something other than EOF. The handle stays open.
 */
export class HandleReadError extends messageError("ERR_X_PROBE_HANDLE_READ") {}

/**
 * An output could not deliver a message: it cannot be encoded as JSON, it does not fit (a
 * datagram, the spool, the stream's buffer), or a connection attempt timed out. Logged and
 * counted as dropped; the output keeps serving.
 */
export class OutputError extends ProbeError {
  constructor(message: string, options?: ErrorOptions, code: ProbeErrorCode = "ERR_X_PROBE_OUTPUT") {
    super(code, message, options);
  }
}

/**
 * A file output refused to open its path because it is a symbolic link: following it would let
 * whoever can write the directory redirect the probe's output (as root, onto any file). Logged,
 * emitted as `failed` and counted as dropped, like any failed write; the next message tries again.
 */
export class UnsafeOutputPathError extends OutputError {
  /** The path that was refused. */
  readonly path: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(`refusing to write to ${path}: ${problem}`, options, "ERR_X_PROBE_OUTPUT_PATH");
    this.path = path;
  }
}

/** A destination address (`tcp:HOST:PORT`, `unix:PATH`, ...) that cannot be parsed. */
export class InvalidAddressError extends ProbeError {
  /** The address as given. */
  readonly address: string;

  constructor(address: string, problem: string, options?: ErrorOptions, code: ProbeErrorCode = "ERR_X_PROBE_INVALID_ADDRESS") {
    super(code, `invalid destination "${address}": ${problem}`, options);
    this.address = address;
  }
}

/**
 * `unix:PATH` names a unix **datagram** socket, as in DumbProbe and seismometer's unix input, and
 * Node cannot send unix datagrams (`dgram` has only udp4 and udp6, `net` only stream sockets)
 * without a native addon: the output relays them through a `python3` or `socat` child. Thrown
 * when the output is built, before any check runs, when neither can be found, so no message is
 * lost to a relay that cannot start (or to `EPROTOTYPE`).
 */
export class UnixDatagramUnsupportedError extends InvalidAddressError {
  /** The socket path. */
  readonly path: string;
  /** The relay that was asked for and not found, or `undefined` when neither python3 nor socat was. */
  readonly relayCommand: string | undefined;

  constructor(path: string, relayCommand?: string, options?: ErrorOptions) {
    super(
      `unix:${path}`,
      `a unix datagram socket (seismometer's unix input), which Node cannot send to by itself: x-probe relays the datagrams through python3 or socat, and ${relayCommand === undefined ? "neither was found" : `${relayCommand} was not found`}; install python3 or socat (or use unix-stream:${path} for a stream socket, or udp:HOST:PORT)`,
      options,
      "ERR_X_PROBE_UNIX_DATAGRAM",
    );
    this.path = path;
    this.relayCommand = relayCommand;
  }
}

/** The output was closed; it accepts no more messages. */
export class OutputClosedError extends ProbeError {
  constructor(output: string, options?: ErrorOptions) {
    super("ERR_X_PROBE_OUTPUT_CLOSED", `output ${output} is closed`, options);
  }
}

/** A checks module could not be loaded or does not export a usable `CHECKS`. */
export class ChecksModuleError extends messageError("ERR_X_PROBE_CHECKS_MODULE") {}

/** Bad command-line usage of `x-probe`. */
export class ProbeUsageError extends messageError("ERR_X_PROBE_USAGE") {}
