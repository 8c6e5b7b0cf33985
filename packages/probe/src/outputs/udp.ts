import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { checkOptionKeys } from "@x/core";
import { OutputError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import { portOption, stringOption } from "../internal/options.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseOutput, OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import type { Output } from "./output.js";

/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM_BYTES = 65_507;

/** Options for {@link udpOutput}. */
export interface UdpOutputOptions extends OutputOptions {
  /** Host name or IP address of the collector. Required. */
  readonly host: string;
  /** UDP port of the collector, 1-65535. Required. */
  readonly port: number;
}

/**
 * Sends each message as one datagram (a JSON line). UDP has no delivery guarantee: a failed send
 * (ICMP port unreachable, a message too large) is counted as dropped and logged at most every
 * `warnIntervalMs`, never a crash (DumbProbe crashed).
 */
class UdpOutput extends BaseOutput implements Output {
  readonly #host: string;
  readonly #port: number;
  readonly #socket: Socket;

  constructor(host: string, port: number, options: OutputOptions) {
    super(`udp:${isIPv6(host) ? `[${host}]` : host}:${port}`, options);
    this.#host = host;
    this.#port = port;
    this.#socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    this.#socket.on("error", (error) => {
      this.warnLimited({ error }, "send failed");
    });
  }

  protected deliver(_message: ProbeMessage, json: string): void {
    const datagram = Buffer.from(`${json}\n`, "utf8");
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this.countDropped(1, new OutputError(`send failed: a ${datagram.length}-byte message does not fit in a datagram`));
      return;
    }
    this.pending.add();
    this.#socket.send(datagram, this.#port, this.#host, (error) => {
      if (error == null) this.countSent();
      else this.countDropped(1, new OutputError(`send failed: ${errorText(error)}`, { cause: error }));
      this.pending.done();
    });
  }

  protected async shutdown(): Promise<void> {
    await this.flush().catch(() => undefined);
    await new Promise<void>((resolve) => {
      this.#socket.close(() => {
        resolve();
      });
    });
  }
}

/**
 * An output that sends one datagram per message to `host:port`.
 *
 * @example
 * ```ts
 * const output = udpOutput({ host: "127.0.0.1", port: 5001 });
 * ```
 */
export function udpOutput(options: UdpOutputOptions): Output {
  checkOptionKeys(options, [...OUTPUT_OPTION_KEYS, "host", "port"], "udpOutput");
  const { host, port } = (options as Partial<UdpOutputOptions> | undefined) ?? {};
  return new UdpOutput(stringOption("host", host), portOption("port", port), options);
}
