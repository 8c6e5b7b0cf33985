import { describe, expect, it } from "vitest";
import {
  CheckNoResultError,
  ChecksModuleError,
  CheckTimeoutError,
  CommandError,
  HandleEofError,
  HandleReadError,
  InvalidAddressError,
  InvalidCheckError,
  InvalidProbeMessageError,
  OutputClosedError,
  OutputError,
  ProbeError,
  ProbeUsageError,
  UnixDatagramUnsupportedError,
  UnsafeOutputPathError,
} from "./errors.js";

/** Each error class, built once, with the code and message it must have. */
const cases: [ProbeError, string, string][] = [
  [new InvalidProbeMessageError("v must be 3"), "ERR_X_PROBE_INVALID_MESSAGE", "invalid message: v must be 3"],
  [new InvalidCheckError(2, "is not a check"), "ERR_X_PROBE_INVALID_CHECK", "check #2 is not a check"],
  [new CheckTimeoutError(300), "ERR_X_PROBE_CHECK_TIMEOUT", "timed out after 300 ms"],
  [new CheckNoResultError(), "ERR_X_PROBE_CHECK_NO_RESULT", "check returned nothing (return [] for no messages)"],
  [new CommandError("cannot run x"), "ERR_X_PROBE_COMMAND", "cannot run x"],
  [new HandleEofError("child process terminated"), "ERR_X_PROBE_HANDLE_EOF", "child process terminated"],
  [new HandleReadError("cannot parse line"), "ERR_X_PROBE_HANDLE_READ", "cannot parse line"],
  [new InvalidAddressError("foo", "expected stdout"), "ERR_X_PROBE_INVALID_ADDRESS", 'invalid destination "foo": expected stdout'],
  [
    new UnixDatagramUnsupportedError("/run/s.sock"),
    "ERR_X_PROBE_UNIX_DATAGRAM",
    'invalid destination "unix:/run/s.sock": a unix datagram socket (seismometer\'s unix input), which Node cannot send to by itself: x-probe relays the datagrams through python3 or socat, and neither was found; install python3 or socat (or use unix-stream:/run/s.sock for a stream socket, or udp:HOST:PORT)',
  ],
  [new OutputError("does not fit"), "ERR_X_PROBE_OUTPUT", "does not fit"],
  [
    new UnsafeOutputPathError("/tmp/x", "it is a symbolic link"),
    "ERR_X_PROBE_OUTPUT_PATH",
    "refusing to write to /tmp/x: it is a symbolic link",
  ],
  [new OutputClosedError("stdout"), "ERR_X_PROBE_OUTPUT_CLOSED", "output stdout is closed"],
  [new ChecksModuleError("no CHECKS"), "ERR_X_PROBE_CHECKS_MODULE", "no CHECKS"],
  [new ProbeUsageError("--checks is required"), "ERR_X_PROBE_USAGE", "--checks is required"],
];

describe("errors", () => {
  it.each(cases)("%s extends ProbeError with a stable code, its own name and the message", (error, code, message) => {
    expect(error).toBeInstanceOf(ProbeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.name).toBe(error.constructor.name);
    expect(error.name).not.toBe("ProbeError");
  });

  it("keeps the cause", () => {
    const cause = new Error("EPIPE");
    expect(new OutputError("write failed", { cause }).cause).toBe(cause);
    expect(new CommandError("cannot run", { cause }).cause).toBe(cause);
  });
});
