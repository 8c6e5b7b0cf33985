import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A real server process on a loopback port, with its own data directory. */
export interface RunningServer extends AsyncDisposable {
  /** Connection URL, e.g. `nats://127.0.0.1:41234` or `beanstalk://127.0.0.1:41235`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The server's data directory (JetStream store or beanstalkd binlog). Removed on dispose. */
  readonly dataDir: string;
  /** PID of the current server process (changes after `restart()`). */
  readonly pid: number;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). Data is kept. */
  stop(): Promise<void>;
  /** SIGKILL, for fault tests. Data is kept; `restart()` brings it back. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data. Stops a running server first. */
  restart(): Promise<void>;
  /** Everything the server printed, for debugging failed tests. */
  output(): string;
}

/** How to run one kind of server; the launcher does the rest. */
export interface ServerRecipe {
  /** Binary name looked up on PATH. */
  readonly binary: string;
  /** Shown when the binary is missing. */
  readonly installHint: string;
  readonly scheme: string;
  /** Command-line arguments for a given port and data directory. */
  args(port: number, dataDir: string): string[];
  /** Extra readiness check after the port accepts connections. */
  ready?(port: number): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 5;
const RESTART_ATTEMPTS = 20;

/** Children still running, killed if the test process exits without disposing them. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Thrown when a server binary is not installed; the message says how to install it. */
export class MissingBinaryError extends Error {
  constructor(binary: string, hint: string, options?: ErrorOptions) {
    super(`${binary} not found on PATH. Install it: ${hint}`, options);
    this.name = "MissingBinaryError";
  }
}

/** A free TCP port on the loopback interface (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, deadline: number, exited: () => boolean): Promise<void> {
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`server exited before port ${port} answered`);
    const ok = await new Promise<boolean>((resolve) => {
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
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`port ${port} did not answer within ${READY_TIMEOUT_MS} ms`);
}

/** Starts a server from its recipe on a free port with a fresh temp data directory. */
export async function launch(recipe: ServerRecipe): Promise<RunningServer> {
  const dataDir = await mkdtemp(join(tmpdir(), `x-${recipe.binary}-`));
  let child: ChildProcess | undefined;
  let port = 0;
  let log = "";

  const startOn = async (candidate: number): Promise<void> => {
    const proc = spawn(recipe.binary, recipe.args(candidate, dataDir), { stdio: ["ignore", "pipe", "pipe"] });
    let exitedEarly = false;
    let spawnError: Error | undefined;
    proc.once("error", (err) => {
      spawnError = err;
      exitedEarly = true;
    });
    proc.once("exit", () => {
      exitedEarly = true;
      live.delete(proc);
    });
    const append = (chunk: Buffer): void => {
      log = (log + chunk.toString("utf8")).slice(-64_000);
    };
    proc.stdout.on("data", append);
    proc.stderr.on("data", append);
    live.add(proc);
    try {
      await waitForPort(candidate, Date.now() + READY_TIMEOUT_MS, () => exitedEarly);
      await recipe.ready?.(candidate);
    } catch (err) {
      proc.kill("SIGKILL");
      if ((spawnError as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        throw new MissingBinaryError(recipe.binary, recipe.installHint, { cause: spawnError });
      }
      throw new Error(`${recipe.binary} did not start on port ${candidate}: ${(err as Error).message}\n${log}`, {
        cause: err,
      });
    }
    child = proc;
    port = candidate;
  };

  // Another process may grab the port between freePort() and the server's bind: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await startOn(await freePort());
      break;
    } catch (err) {
      if (err instanceof MissingBinaryError || attempt >= PORT_ATTEMPTS) {
        await rm(dataDir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const waitExit = async (proc: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      proc.once("exit", () => {
        resolve();
      }),
    );
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const server: RunningServer = {
    url: `${recipe.scheme}://${HOST}:${port}`,
    host: HOST,
    port,
    dataDir,
    get pid() {
      return child?.pid ?? -1;
    },
    async stop() {
      if (child) await waitExit(child, "SIGTERM");
    },
    async kill() {
      if (child) await waitExit(child, "SIGKILL");
    },
    async restart() {
      await server.stop();
      // The old socket can linger for a moment after a kill; retry the same port briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          await startOn(port);
          return;
        } catch (err) {
          if (err instanceof MissingBinaryError || attempt >= RESTART_ATTEMPTS) throw err;
          await sleep(100);
        }
      }
    },
    output: () => log,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
