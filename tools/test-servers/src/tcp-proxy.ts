import { createConnection, createServer, type Socket } from "node:net";

const HOST = "127.0.0.1";

/**
 * A TCP proxy in front of a real server, for partition tests: `stall()` keeps every connection
 * open but forwards nothing, which is what a dead link or a frozen peer looks like to a client
 * (no reset, no FIN; only timeouts and missing pongs can tell).
 */
export interface TcpProxy extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** Connection URL through the proxy, e.g. `url("nats")` is `nats://127.0.0.1:PORT`. */
  url(scheme: string): string;
  /** Forward nothing in either direction; bytes already sent wait in the proxy. */
  stall(): void;
  /** Forward again, the bytes held during the stall first. */
  resume(): void;
  /** Destroy every current connection (the client sees a reset); new ones are still accepted. */
  reset(): void;
  /** Number of client connections currently open through the proxy. */
  readonly connections: number;
  /** Stop accepting and destroy every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Chunks held while stalled, in order, with the socket they are for. */
  readonly held: { to: Socket; chunk: Buffer }[];
}

/** Starts a proxy on a free loopback port that forwards to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;

  const forward = (pair: Pair, to: Socket, chunk: Buffer): void => {
    if (stalled) pair.held.push({ to, chunk });
    else if (!to.destroyed) to.write(chunk);
  };

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("data", (chunk: Buffer) => {
      forward(pair, upstream, chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      forward(pair, client, chunk);
    });
    // A close on either side is passed on only when not stalled: a partition hides it too.
    client.on("close", drop);
    upstream.on("close", () => {
      if (!stalled) drop();
    });
    client.on("error", drop);
    upstream.on("error", () => {
      if (!stalled) drop();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  const destroyAll = (): void => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };

  const proxy: TcpProxy = {
    host: HOST,
    port,
    url: (scheme) => `${scheme}://${HOST}:${port}`,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const pair of [...pairs]) {
        for (const { to, chunk } of pair.held.splice(0)) if (!to.destroyed) to.write(chunk);
        // The upstream may have closed during the stall; pass that on now.
        if (pair.upstream.destroyed) {
          pair.client.destroy();
          pairs.delete(pair);
        }
      }
    },
    reset() {
      for (const pair of pairs) pair.client.resetAndDestroy();
      destroyAll();
    },
    get connections() {
      return pairs.size;
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
    async [Symbol.asyncDispose]() {
      await proxy.close();
    },
  };
  return proxy;
}
