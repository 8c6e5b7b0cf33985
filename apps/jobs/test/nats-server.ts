import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A `nats-server -js` of this test's own, on a free loopback port, with a temp store. */
export interface NatsServer extends AsyncDisposable {
  readonly url: string;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 15_000;

const INSTALL_HINT =
  "The NATS test of apps/jobs needs a real nats-server (with JetStream) on PATH, and none was found.\n" +
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

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts nats-server and resolves once it accepts connections. A missing binary fails the test
 * with how to install it: a test that silently skipped would prove nothing.
 */
export async function startNatsServer(): Promise<NatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), "jobs-nats-"));
  const port = await freePort();
  const child: ChildProcess = spawn("nats-server", ["-js", "-a", HOST, "-p", String(port), "-sd", storeDir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-8_000)));
  let failure: Error | undefined;
  child.once("error", (err: NodeJS.ErrnoException) => {
    failure = err.code === "ENOENT" ? new Error(INSTALL_HINT, { cause: err }) : err;
  });
  child.once("exit", (code) => (failure ??= new Error(`nats-server exited with code ${String(code)} before it was ready:\n${log}`)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    await rm(storeDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (failure !== undefined || Date.now() > deadline) {
      await stop();
      throw failure ?? new Error(`nats-server did not answer on port ${port} within ${READY_TIMEOUT_MS} ms:\n${log}`);
    }
    await sleep(20);
  }
  return { url: `nats://${HOST}:${port}`, [Symbol.asyncDispose]: stop };
}
