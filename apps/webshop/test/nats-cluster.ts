import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** One node of {@link startNatsCluster}. */
export interface ClusterNode {
  /** The node's server name (`node-0`, ...), as JetStream reports stream leaders. */
  readonly name: string;
  readonly url: string;
  /** SIGKILL: the node dies without a goodbye, as a crashed machine would. */
  kill(): Promise<void>;
}

/** Three `nats-server -js` processes routed into one cluster, each with its own temp store. */
export interface NatsCluster extends AsyncDisposable {
  readonly nodes: readonly ClusterNode[];
  /** Every node's URL, joined by commas: the value of `NATS_URL` for the app. */
  readonly natsUrl: string;
  /** The node that leads `stream`, and how many replicas the stream has, from the monitoring endpoint. */
  stream(name: string): Promise<{ leader: string; replicas: number }>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 60_000;
/**
 * Starts with fresh ports after a node exits before the cluster is healthy: a port found free may
 * be taken (by another program's outgoing connection, say) before nats-server binds it.
 */
const START_ATTEMPTS = 3;
/** Log lines kept per node for the error of a start that never got healthy. */
const LOG_LINES_KEPT = 10;

/** A node exited before the cluster was healthy (its port was taken, most likely): worth another try. */
class NodeExitedEarly extends Error {}

const INSTALL_HINT =
  "The webshop tests need a real nats-server (with JetStream) on PATH, and none was found.\n" +
  "Install it, then run `npm test` again:\n" +
  "  Debian/Ubuntu: sudo apt-get install nats-server\n" +
  "  macOS:         brew install nats-server\n" +
  "  elsewhere:     https://github.com/nats-io/nats-server/releases";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** True once the node answers its health check: JetStream is up and current with its meta leader. */
async function healthy(monitorPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${HOST}:${monitorPort}/healthz`);
    return response.ok;
  } catch {
    return false;
  }
}

interface JszStream {
  readonly name: string;
  readonly cluster?: { readonly leader?: string; readonly replicas?: readonly unknown[] };
}
interface Jsz {
  readonly account_details?: readonly { readonly stream_detail?: readonly JszStream[] }[];
}

/**
 * Starts a three-node JetStream cluster on free loopback ports and resolves once every node is
 * healthy (a cluster elects its JetStream meta leader a moment after the processes start; before
 * that, creating a stream fails). A missing binary fails the test with how to install it.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(size);
    } catch (error) {
      if (!(error instanceof NodeExitedEarly) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(size: number): Promise<NatsCluster> {
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort(), monitor: await freePort() })),
  );
  const routes = ports.map((p) => `nats-route://${HOST}:${p.route}`).join(",");
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const logs: string[][] = [];
  let failure: Error | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(killChild));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };
  for (const [index, p] of ports.entries()) {
    const dir = await mkdtemp(join(tmpdir(), "webshop-cluster-"));
    dirs.push(dir);
    const child = spawn(
      "nats-server",
      [
        "-js",
        "-a",
        HOST,
        "-p",
        String(p.client),
        "-m",
        String(p.monitor),
        "-n",
        `node-${index}`,
        "-sd",
        dir,
        "--cluster_name",
        "webshop",
        "--cluster",
        `nats://${HOST}:${p.route}`,
        "--routes",
        routes,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    // The last lines each node logged, for the error if the cluster never gets healthy.
    const log: string[] = [];
    logs.push(log);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      log.push(...chunk.split("\n").filter((line) => line !== ""));
      log.splice(0, Math.max(0, log.length - LOG_LINES_KEPT));
    });
    child.once("error", (err: NodeJS.ErrnoException) => {
      failure = err.code === "ENOENT" ? new Error(INSTALL_HINT, { cause: err }) : err;
    });
    child.once("exit", (code, signal) => {
      // A child that never started (no binary) reports through "error" above.
      if (child.pid === undefined) return;
      failure ??= new NodeExitedEarly(
        `nats-server node-${String(index)} exited while the cluster started (code ${String(code)}, signal ${String(signal)}): ${log.join(" | ")}`,
      );
    });
    children.push(child);
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await Promise.all(ports.map((p) => healthy(p.monitor)))).every(Boolean)) {
    if (failure !== undefined || Date.now() > deadline) {
      await stop();
      const tails = logs.map((log, index) => `node-${String(index)}:\n  ${log.join("\n  ")}`).join("\n");
      throw (
        failure ?? new Error(`the nats-server cluster was not healthy within ${READY_TIMEOUT_MS} ms; the nodes' last log lines:\n${tails}`)
      );
    }
    await sleep(100);
  }
  const nodes = ports.map((p, index) => ({
    name: `node-${index}`,
    url: `nats://${HOST}:${p.client}`,
    kill: () => killChild(children[index]),
  }));
  const stream = async (name: string): Promise<{ leader: string; replicas: number }> => {
    for (const [index, p] of ports.entries()) {
      if (children[index]?.exitCode !== null || children[index].signalCode !== null) continue;
      const response = await fetch(`http://${HOST}:${p.monitor}/jsz?accounts=true&streams=true`);
      const jsz = (await response.json()) as Jsz;
      const found = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []).find((s) => s.name === name);
      // `replicas` lists the followers; the leader is one copy more.
      if (found?.cluster?.leader) return { leader: found.cluster.leader, replicas: (found.cluster.replicas?.length ?? 0) + 1 };
    }
    throw new Error(`no live node knows a leader of stream ${name}`);
  };
  return { nodes, natsUrl: nodes.map((n) => n.url).join(","), stream, [Symbol.asyncDispose]: stop };
}

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
