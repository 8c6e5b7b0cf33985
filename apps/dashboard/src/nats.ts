import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** A NATS connection, and the server this app started for it (none when NATS_URL was given). */
export interface Nats {
  readonly nc: NatsConnection;
  readonly url: string;
  /** Closes the connection and stops the server the app started, if any. */
  close(): Promise<void>;
}

/**
 * Connects to `url`; without one, starts `nats-server -js` on a free loopback port with its
 * store in a temporary directory, so the demo is one command.
 */
export async function openNats(url: string | undefined): Promise<Nats> {
  if (url !== undefined && url !== "") {
    const nc = await connect({ servers: url });
    return { nc, url, close: () => nc.close() };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "x-dashboard-nats-"));
  const server = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    server.once("spawn", resolve);
    server.once("error", (error) => {
      reject(new Error(`could not start nats-server (apt-get install -y nats-server, or set NATS_URL): ${error.message}`));
    });
  });
  const serverUrl = `nats://127.0.0.1:${port}`;
  const nc = await connectWhenUp(serverUrl, server);
  return {
    nc,
    url: serverUrl,
    close: async () => {
      await nc.close();
      await stop(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function connectWhenUp(url: string, server: ChildProcess): Promise<NatsConnection> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect({ servers: url });
    } catch (error) {
      if (attempt >= 100 || server.exitCode !== null) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once("exit", () => {
      resolve();
    });
    server.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
