import { launch, type RunningServer } from "./server-process.js";

/** Options for {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream with a file store in the server's temp data directory. @default true */
  readonly jetstream?: boolean;
  /** Extra command-line arguments passed to nats-server. @default [] */
  readonly args?: readonly string[];
}

/**
 * Starts a real `nats-server` on a free loopback port.
 *
 * @example
 * ```ts
 * await using nats = await startNatsServer({ jetstream: true });
 * const nc = await connect({ servers: nats.url });
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningServer> {
  const jetstream = options.jetstream ?? true;
  return launch({
    binary: "nats-server",
    scheme: "nats",
    installHint: "apt-get install -y nats-server (Debian/Ubuntu) or https://github.com/nats-io/nats-server/releases",
    args: (port, dataDir) => [
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      ...(jetstream ? ["-js", "-sd", dataDir] : []),
      ...(options.args ?? []),
    ],
  });
}
