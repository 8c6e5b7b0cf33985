import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { systemClock, type Clock } from "../clock.js";
import { InvalidOptionError, OutputClosedError } from "../errors.js";
import { numberOption } from "../internal/options.js";
import { errorText, silentLogger, type Logger } from "../logger.js";
import type { ProbeMessage } from "../message/types.js";
import { encodeLine, type Output, type OutputStats } from "./output.js";
import { PendingCounter } from "./pending.js";
import { RateLimit } from "./rate-limit.js";

/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM_BYTES = 65_507;

/** Options for {@link udpOutput}. */
export interface UdpOutputOptions {
  readonly host: string;
  readonly port: number;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Failed sends are logged at most once per this many ms. @default 30000 */
  readonly warnIntervalMs?: number;
  /** For the warning rate limit. @default systemClock */
  readonly clock?: Clock;
}

/**
 * Sends each message as one datagram (a JSON line). UDP has no delivery guarantee: a failed send
 * (ICMP port unreachable, a message too large) is counted as dropped and logged at most every
 * `warnIntervalMs`, never a crash (DumbProbe crashed).
 */
class UdpOutput implements Output {
  readonly name: string;
  readonly #host: string;
  readonly #port: number;
  readonly #socket: Socket;
  readonly #logger: Logger;
  readonly #warn: RateLimit;
  readonly #pending = new PendingCounter();
  #closed = false;
  #closing: Promise<void> | undefined;
  #sent = 0;
  #dropped = 0;

  constructor(host: string, port: number, logger: Logger, warnIntervalMs: number, clock: Clock) {
    this.#host = host;
    this.#port = port;
    this.name = `udp:${isIPv6(host) ? `[${host}]` : host}:${port}`;
    this.#logger = logger;
    this.#warn = new RateLimit(clock, warnIntervalMs);
    this.#socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    this.#socket.on("error", (error) => {
      this.#fail(error);
    });
  }

  send(message: ProbeMessage): void {
    if (this.#closed) throw new OutputClosedError(this.name);
    const datagram = Buffer.from(encodeLine(message), "utf8");
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this.#dropped++;
      this.#fail(new Error(`a ${datagram.length}-byte message does not fit in a datagram`));
      return;
    }
    this.#pending.add();
    this.#socket.send(datagram, this.#port, this.#host, (error) => {
      if (error == null) this.#sent++;
      else {
        this.#dropped++;
        this.#fail(error);
      }
      this.#pending.done();
    });
  }

  async flush(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    return this.#pending.whenIdle(() => this.#pending.count === 0, options.signal);
  }

  stats(): OutputStats {
    return { sent: this.#sent, dropped: this.#dropped, pending: this.#pending.count };
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.flush().catch(() => undefined);
      await new Promise<void>((resolve) => {
        this.#socket.close(() => {
          resolve();
        });
      });
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #fail(error: Error): void {
    if (this.#warn.allow()) this.#logger.warn(`${this.name}: send failed: ${errorText(error)}`);
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
  const { host, port } = options as Partial<UdpOutputOptions>;
  if (typeof host !== "string" || host === "") throw new InvalidOptionError("host", "must be a non-empty string");
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidOptionError("port", `must be a port number 1-65535, got ${String(port)}`);
  }
  const warnIntervalMs = numberOption("warnIntervalMs", options.warnIntervalMs, 30_000);
  return new UdpOutput(host, port, options.logger ?? silentLogger, warnIntervalMs, options.clock ?? systemClock);
}
