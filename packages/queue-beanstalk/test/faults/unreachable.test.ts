/**
 * A server that cannot be reached: calls fail once, with `ConnectionError`, after
 * `connectTimeoutMs`, and no connect attempts go on once nobody waits. Fake clocks measure the
 * time (the sockets are real), so the assertions hold however slow the machine is.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { setTimeout as realSleep } from "node:timers/promises";
import { ConnectionError } from "@x/message";
import { freePort, printFaultReport } from "@x/test-servers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type BeanstalkQueue, createBeanstalkQueue } from "../../src/index.js";

const CONNECT_TIMEOUT_MS = 1_000;

/** Accepts connections and never answers, as a hung server or a stalled link does. */
interface SilentServer {
  readonly port: number;
  readonly accepted: number;
  /** Resolves at the next accepted connection. */
  nextConnection(): Promise<void>;
  close(): Promise<void>;
}

async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => undefined).on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    nextConnection: async () => {
      await once(server, "connection");
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const step of cleanup.splice(0).reverse()) await step();
});

function queueOn(port: number): BeanstalkQueue {
  const queue = createBeanstalkQueue({ port, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  cleanup.push(() => queue.close());
  return queue;
}

/** Settles into a value the test can look at without awaiting it. */
function track(promise: Promise<unknown>): { settled: boolean; error: unknown } {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      state.settled = true;
    },
    (err: unknown) => {
      state.settled = true;
      state.error = err;
    },
  );
  return state;
}

/** Lets real socket events (a connect, a refusal) be delivered while the fake clock stands still. */
async function letSocketsRun(): Promise<void> {
  await realSleep(50);
}

describe("unreachable server", () => {
  for (const call of ["stats", "peek"] as const) {
    it(`${call}() on a server that accepts and never answers rejects once with ConnectionError after connectTimeoutMs, one connect attempt`, async () => {
      const silent = await startSilentServer();
      cleanup.push(() => silent.close());
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
      const queue = queueOn(silent.port);
      const connected = silent.nextConnection();
      const result = track(call === "stats" ? queue.stats() : queue.peek("1"));
      await connected;
      await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
      expect(result.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(result.settled).toBe(true);
      expect(result.error).toBeInstanceOf(ConnectionError);
      // Nobody waits any more: no attempt follows, however long the clock runs.
      await vi.advanceTimersByTimeAsync(60_000);
      await letSocketsRun();
      expect(silent.accepted).toBe(1);
      printFaultReport({
        scenario: `beanstalk ${call} on a silent server`,
        confirmed: 0,
        handled: 0,
        lost: 0,
        duplicated: 0,
        attempts: silent.accepted,
      });
    });
  }

  it("stats() on a port where nothing listens rejects once with ConnectionError after connectTimeoutMs", async () => {
    const port = await freePort();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const queue = queueOn(port);
    const result = track(queue.stats());
    // The refusals arrive as real socket events between the fake backoff sleeps.
    for (let elapsed = 0; elapsed < CONNECT_TIMEOUT_MS - 100; elapsed += 100) {
      await letSocketsRun();
      await vi.advanceTimersByTimeAsync(100);
    }
    await letSocketsRun();
    await vi.advanceTimersByTimeAsync(99);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.settled).toBe(true);
    expect(result.error).toBeInstanceOf(ConnectionError);
  });

  it("a connect that times out is not treated as a lost connection: the next call starts a fresh attempt and fails once too", async () => {
    const silent = await startSilentServer();
    cleanup.push(() => silent.close());
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const queue = queueOn(silent.port);
    for (let round = 1; round <= 2; round++) {
      const connected = silent.nextConnection();
      const result = track(queue.inspect("7"));
      await connected;
      await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS);
      expect(result.error).toBeInstanceOf(ConnectionError);
      expect(silent.accepted).toBe(round);
    }
  });
});
