import { checkOptionKeys } from "@x/core";
import { InvalidAddressError } from "../errors.js";
import { OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import { CONNECTION_OPTION_KEYS, type ConnectionOutputOptions, tcpOutput, unixOutput } from "./connection.js";
import type { Output } from "./output.js";
import { type FileOutputOptions, fileOutput, STREAM_OPTION_KEYS, type StdoutOutputOptions, stdoutOutput } from "./stream.js";
import { udpOutput } from "./udp.js";
import { UNIX_DATAGRAM_OPTION_KEYS, type UnixDatagramOutputOptions, unixDatagramOutput } from "./unix-datagram.js";

/** A parsed `--destination`. */
export type Destination =
  | { readonly kind: "stdout" }
  | { readonly kind: "tcp" | "udp"; readonly host: string; readonly port: number }
  | { readonly kind: "unix" | "unix-stream" | "file"; readonly path: string };

function hostPort(address: string, rest: string): { host: string; port: number } {
  // IPv6 hosts go in brackets (tcp:[::1]:5000); otherwise the port follows the last colon.
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  const at = rest.lastIndexOf(":");
  const host = bracketed ? bracketed[1] : at > 0 ? rest.slice(0, at) : undefined;
  const portText = bracketed ? bracketed[2] : at > 0 ? rest.slice(at + 1) : undefined;
  if (host === undefined || host === "" || portText === undefined) throw new InvalidAddressError(address, "expected HOST:PORT");
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
    throw new InvalidAddressError(address, `port must be a number 1-65535, got "${portText}"`);
  }
  return { host, port: Number(portText) };
}

/**
 * Parses a destination: `stdout`, `tcp:HOST:PORT`, `udp:HOST:PORT` (IPv6 as `[::1]`),
 * `unix-stream:PATH`, `unix:PATH` (a datagram socket: seismometer's unix input) or `file:PATH`.
 */
export function parseDestination(address: string): Destination {
  if (address === "stdout") return { kind: "stdout" };
  const colon = address.indexOf(":");
  const scheme = colon < 0 ? address : address.slice(0, colon);
  const rest = colon < 0 ? "" : address.slice(colon + 1);
  switch (scheme) {
    case "tcp":
    case "udp":
      return { kind: scheme, ...hostPort(address, rest) };
    case "unix":
    case "unix-stream":
    case "file":
      if (rest === "") throw new InvalidAddressError(address, "expected a path");
      return { kind: scheme, path: rest };
    default:
      throw new InvalidAddressError(address, "expected stdout, tcp:HOST:PORT, udp:HOST:PORT, unix:PATH, unix-stream:PATH or file:PATH");
  }
}

/**
 * Options for {@link createOutput}: those of every output (`logger`, `time`, `warnIntervalMs`),
 * the spool settings of tcp and unix-stream outputs, the buffer bound of stdout and file outputs,
 * the `mode` of a file that a file output creates, and the relay settings of a unix datagram output.
 */
export interface CreateOutputOptions
  extends ConnectionOutputOptions,
    StdoutOutputOptions,
    Pick<FileOutputOptions, "mode">,
    Omit<UnixDatagramOutputOptions, "path" | keyof OutputOptions> {}

/**
 * Builds the output for a destination address or a parsed {@link Destination}. `unix:PATH` is
 * DumbProbe's unix datagram socket, sent to through a `python3` relay ({@link unixDatagramOutput}):
 * without python3 it throws `UnixDatagramUnsupportedError` here, before anything is sent
 * (`unix-stream:PATH` is a stream socket).
 *
 * @example
 * ```ts
 * const output = createOutput("tcp:127.0.0.1:5000", { spoolBytes: 1024 * 1024 });
 * ```
 */
export function createOutput(destination: string | Destination, options: CreateOutputOptions = {}): Output {
  checkOptionKeys(
    options,
    [...new Set([...CONNECTION_OPTION_KEYS, ...STREAM_OPTION_KEYS, ...UNIX_DATAGRAM_OPTION_KEYS, "mode"])],
    "createOutput",
  );
  const parsed = typeof destination === "string" ? parseDestination(destination) : destination;
  // Each output takes only its own options (an unknown key is an error), so the options that do
  // not apply to this destination, such as `spoolBytes` for stdout, are left out.
  switch (parsed.kind) {
    case "stdout":
      return stdoutOutput(pick(options, STREAM_OPTION_KEYS));
    case "tcp":
      return tcpOutput({ ...pick(options, CONNECTION_OPTION_KEYS), host: parsed.host, port: parsed.port });
    case "udp":
      return udpOutput({ ...pick(options, OUTPUT_OPTION_KEYS), host: parsed.host, port: parsed.port });
    case "unix":
      return unixDatagramOutput({ ...pick(options, UNIX_DATAGRAM_OPTION_KEYS), path: parsed.path });
    case "unix-stream":
      return unixOutput({ ...pick(options, CONNECTION_OPTION_KEYS), path: parsed.path });
    case "file":
      return fileOutput({ ...pick(options, [...STREAM_OPTION_KEYS, "mode"]), path: parsed.path });
  }
}

/** The options among `keys` that are set, as a new object. */
function pick(options: CreateOutputOptions, keys: readonly string[]): CreateOutputOptions {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => keys.includes(key) && value !== undefined));
}
