import { freePort, launch, type RunningServer } from "./server-process.js";

/** Options for {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** Extra command-line arguments passed to every node. @default [] */
  readonly args?: readonly string[];
}

/** A JetStream cluster of real `nats-server` processes on loopback ports. */
export interface RunningNatsCluster extends AsyncDisposable {
  /** The nodes, each with its own `kill()` (SIGKILL) and `restart()` (same ports, same data). */
  readonly nodes: readonly RunningServer[];
  /** Every node's client URL, for a client that should fail over between them. */
  readonly urls: readonly string[];
  /** Stops every node and removes their data. */
  stop(): Promise<void>;
}

/** The cluster name every node joins. */
const CLUSTER_NAME = "x-test";

/**
 * Starts `size` `nats-server` processes with JetStream, routed to each other on loopback ports, as
 * one cluster (Raft needs three nodes to keep a quorum through the loss of one). The cluster ports
 * are fixed before any node starts, so a node restarted after `kill()` rejoins on the same routes.
 * JetStream's meta leader is elected a moment after the processes are up: clients retry their
 * first stream call until it answers.
 *
 * @example
 * ```ts
 * await using cluster = await startNatsCluster(3);
 * const nc = await connect({ servers: [...cluster.urls] });
 * await cluster.nodes[0]?.kill();
 * ```
 */
export async function startNatsCluster(size = 3, options: NatsClusterOptions = {}): Promise<RunningNatsCluster> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a cluster needs at least one node, got ${String(size)}`);
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i++) clusterPorts.push(await freePort());
  const routes = clusterPorts.map((port) => `nats-route://127.0.0.1:${port}`).join(",");
  const started = await Promise.allSettled(
    clusterPorts.map((clusterPort, index) =>
      launch({
        binary: "nats-server",
        scheme: "nats",
        installHint: "apt-get install -y nats-server (Debian/Ubuntu) or https://github.com/nats-io/nats-server/releases",
        args: (port, dataDir) => [
          "-a",
          "127.0.0.1",
          "-p",
          String(port),
          "-n",
          `node-${index}`,
          "-js",
          "-sd",
          dataDir,
          "--cluster_name",
          CLUSTER_NAME,
          "--cluster",
          `nats://127.0.0.1:${clusterPort}`,
          "--routes",
          routes,
          ...(options.args ?? []),
        ],
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node[Symbol.asyncDispose]()));
  };
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return { nodes, urls: nodes.map((node) => node.url), stop, [Symbol.asyncDispose]: stop };
}
