import { randomUUID } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { type ChildProcess, spawnTs } from "@x/test-servers";
import { FiveBeansClient } from "../src/protocol/fivebeans.js";

/** A tube of its own for each test, so tests on one server never see each other's jobs. */
export function freshTube(prefix = "t"): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

/**
 * Polls until `predicate` holds. The timeout only turns a hang into a readable failure; tests
 * never assert how fast something happened.
 */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A TCP proxy in front of beanstalkd whose connections the test can cut, as a network failure
 * would: the adapter sees its sockets die while the server stays up.
 */
export interface CuttableProxy {
  readonly port: number;
  /** Destroys every proxied connection (both sides). */
  cut(): number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("proxy has no address");
  return {
    port: address.port,
    cut: () => {
      const count = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return count;
    },
    close: async () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** A child process running one of `test/fixtures/*.ts`, and what it printed. */
export interface FixtureProcess {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
  /** Job ids it finished (`done` lines). */
  done(): string[];
  /** The fields after `<kind> ` of every line of that kind. */
  field(kind: string): string[][];
}

/** Runs `test/fixtures/<name>.ts` with `config` (JSON) as its argument and collects its output lines. */
export function startFixtureProcess(
  name: "worker-process" | "holder-process" | "operate-worker",
  config: Record<string, unknown>,
): FixtureProcess {
  const child = spawnTs(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), [JSON.stringify(config)]);
  const lines: string[] = [];
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      if (stderr.trim() !== "") lines.push(`stderr ${stderr.trim()}`);
      resolve();
    });
  });
  const field = (kind: string): string[][] => lines.filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(" ").slice(1));
  return {
    process: child,
    lines,
    exited,
    done: () => field("done").map((f) => f[0] ?? ""),
    field,
  };
}

/** A raw fivebeans client, connected, as another service (or the benchmark's baseline) uses it. */
export async function connectFivebeans(host: string, port: number): Promise<FiveBeansClient> {
  const client = new FiveBeansClient(host, port);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => {
      resolve();
    });
    client.once("error", reject);
    client.connect();
  });
  client.on("error", () => undefined);
  return client;
}
