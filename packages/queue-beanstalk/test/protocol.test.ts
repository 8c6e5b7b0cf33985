import { createServer, type Server, type Socket } from "node:net";
import { Emitter, silentLogger, systemTime } from "@x/core";
import { AdapterError, ConnectionError, TimeoutError } from "@x/message";
import { freePort, type RunningServer, startBeanstalkd } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BeanstalkCommandError } from "../src/errors.js";
import { Connection, ConnectionClosedError, type ConnectionEvents } from "../src/protocol/connection.js";
import { PUT_WINDOW, Session } from "../src/protocol/session.js";
import { freshTube, until } from "./helpers.js";

const TIMEOUTS = { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 };

let server: RunningServer;
beforeAll(async () => {
  server = await startBeanstalkd({ maxJobSize: 1_000 });
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

const open = (port = server.port): Promise<Session> => Session.open(server.host, port, TIMEOUTS);

/** A TCP server that accepts connections and never answers: a hung beanstalkd. */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; server: Server }> {
  const sockets: Socket[] = [];
  const srv = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const address = srv.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return { port: address.port, sockets, server: srv };
}

describe("Session (the typed layer over fivebeans)", () => {
  it("turns error strings into BeanstalkCommandError with the reply word", async () => {
    const session = await open();
    try {
      const notFound = await session.peek(999_999).catch((err: unknown) => err);
      expect(notFound).toBeInstanceOf(BeanstalkCommandError);
      expect(notFound).toBeInstanceOf(AdapterError);
      expect(notFound).toMatchObject({ reply: "NOT_FOUND", command: "peek", code: "ERR_X_BEANSTALK_COMMAND" });
      // Unchecked on purpose: the adapter validates names before they get here.
      await expect(session.use("bad name")).rejects.toMatchObject({ reply: "BAD_FORMAT" });
      await expect(session.put(0, 0, 1, Buffer.alloc(2_000))).rejects.toMatchObject({ reply: "JOB_TOO_BIG" });
      // The connection is still in sync after each error.
      expect(await session.use("still-fine")).toBe("still-fine");
    } finally {
      session.destroy();
    }
  });

  it("reports TIMED_OUT as no job, and ids and counts as numbers", async () => {
    const session = await open();
    try {
      const tube = freshTube();
      expect(await session.watch(tube)).toBe(2);
      expect(await session.ignore("default")).toBe(1);
      expect(await session.reserveWithTimeout(0)).toBeNull();
      await session.use(tube);
      const id = await session.put(5, 0, 7, Buffer.from("héllo"));
      expect(typeof id).toBe("number");
      const job = await session.reserveWithTimeout(0);
      expect(job?.id).toBe(id);
      expect(job?.body.toString("utf8")).toBe("héllo");
      const stats = await session.statsJob(id);
      expect(stats).toMatchObject({ id, state: "reserved", pri: 5, ttr: 7, reserves: 1 });
      const tubeStats = await session.statsTube(tube);
      expect(tubeStats).toMatchObject({ ready: 0, reserved: 1, buried: 0, delayed: 0 });
      expect(tubeStats.raw["total-jobs"]).toBe(1);
      expect((await session.stats()).maxJobSize).toBe(1_000);
    } finally {
      session.destroy();
    }
  });

  it("reserveWithStats: a job and its stats in one call, the stats-job sent by itself; null when none", async () => {
    const session = await open();
    try {
      const tube = freshTube();
      await session.watch(tube);
      await session.ignore("default");
      await session.use(tube);
      expect(await session.reserveWithStats(0)).toBeNull();
      const first = await session.put(9, 0, 11, Buffer.from("one"));
      const second = await session.put(9, 0, 11, Buffer.from("two"));
      // Two in flight with a command between them: each reply goes to its own command.
      const [a, touched, b] = await Promise.all([session.reserveWithStats(0), session.touch(first), session.reserveWithStats(0)]);
      expect(touched).toBeUndefined();
      expect(a).toMatchObject({ id: first, stats: { id: first, state: "reserved", pri: 9, ttr: 11, reserves: 1 } });
      expect(a?.body.toString()).toBe("one");
      expect(b).toMatchObject({ id: second, stats: { id: second, reserves: 1 } });
      await session.release(first, 9, 0);
      expect(await session.reserveWithStats(0)).toMatchObject({ id: first, stats: { reserves: 2, releases: 1 } });
      // The socket is still in step.
      expect(await session.statsJob(second)).toMatchObject({ state: "reserved" });
    } finally {
      session.destroy();
    }
  });

  it("pipelines puts: many in flight on one socket, answered in order", async () => {
    const session = await open();
    try {
      await session.use(freshTube());
      const ids = await Promise.all(Array.from({ length: 500 }, (_, i) => session.put(0, 0, 10, Buffer.from(String(i)))));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe((ids[i - 1] ?? 0) + 1);
    } finally {
      session.destroy();
    }
  });

  it("puts beyond the window wait their turn and keep their order; closing rejects the ones still waiting", async () => {
    const session = await open();
    try {
      const tube = freshTube();
      await session.use(tube);
      const count = PUT_WINDOW * 3 + 7;
      const ids = await Promise.all(Array.from({ length: count }, (_, i) => session.put(0, 0, 10, Buffer.from(String(i)))));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe((ids[i - 1] ?? 0) + 1);
      expect((await session.statsTube(tube)).ready).toBe(count);
      expect(session.pendingCount).toBe(0);

      const late = Array.from({ length: PUT_WINDOW * 2 }, () => session.put(0, 0, 10, Buffer.from("late")).catch((e: unknown) => e));
      session.destroy(new Error("cut"));
      const outcomes = await Promise.all(late);
      // Some may have been answered before the cut; none is left hanging, the rest are ConnectionErrors.
      expect(outcomes.filter((o) => typeof o !== "number").every((o) => o instanceof ConnectionError)).toBe(true);
      expect(outcomes.filter((o) => o instanceof ConnectionError).length).toBeGreaterThanOrEqual(PUT_WINDOW);
    } finally {
      session.destroy();
    }
  });

  it("putMany: one outcome per put in order, beyond the window too; an error fails only its own entry", async () => {
    const session = await open();
    try {
      const tube = freshTube();
      await session.use(tube);
      const count = PUT_WINDOW * 2 + 3;
      const tooBig = PUT_WINDOW + 1;
      const specs = Array.from({ length: count }, (_, i) => {
        // Text bodies are written as UTF-8: "é" is two bytes on the wire.
        const body = i === tooBig ? "x".repeat(2_000) : `é${String(i)}`;
        return { priority: 0, delaySeconds: 0, ttrSeconds: 10, body, bytes: Buffer.byteLength(body) };
      });
      const outcomes = await session.putMany(specs);
      expect(outcomes).toHaveLength(count);
      expect(outcomes[tooBig]).toMatchObject({ reply: "JOB_TOO_BIG" });
      const ids = outcomes.filter((outcome) => typeof outcome === "number");
      expect(ids).toHaveLength(count - 1);
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe((ids[i - 1] ?? 0) + 1);
      expect((await session.peek(ids[2] ?? 0)).body.toString("utf8")).toBe("é2");
      expect(await session.putMany([])).toEqual([]);

      const late = session.putMany(specs.slice(0, PUT_WINDOW * 2));
      session.destroy(new Error("cut"));
      const lost = (await late).filter((outcome) => typeof outcome !== "number");
      expect(lost.length).toBeGreaterThanOrEqual(PUT_WINDOW);
      expect(lost.every((outcome) => outcome instanceof ConnectionError)).toBe(true);
    } finally {
      session.destroy();
    }
  });

  it("rejects every pending command when the socket closes (fivebeans would leave them hanging)", async () => {
    const session = await open();
    await session.watch(freshTube());
    const blocked = session.reserveWithTimeout(60);
    const queuedBehind = session.stats();
    session.destroy(new Error("cut"));
    await expect(blocked).rejects.toBeInstanceOf(ConnectionError);
    await expect(queuedBehind).rejects.toBeInstanceOf(ConnectionError);
    await expect(session.stats()).rejects.toBeInstanceOf(ConnectionError);
    expect(session.isOpen).toBe(false);
  });

  it("rejects pending commands when the server dies", async () => {
    await using own = await startBeanstalkd();
    const session = await Session.open(own.host, own.port, TIMEOUTS);
    await session.watch(freshTube());
    const blocked = session.reserveWithTimeout(60).catch((e: unknown) => e);
    await own.kill();
    expect(await blocked).toBeInstanceOf(ConnectionError);
    expect((await session.closed).message.length).toBeGreaterThan(0);
  });

  it("a refused connection is a ConnectionError, not a crash", async () => {
    const port = await freePort();
    const err = await Session.open("127.0.0.1", port, TIMEOUTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("a command without a reply times out, drops the socket and rejects the rest", async () => {
    const silent = await silentServer();
    try {
      const session = await Session.open("127.0.0.1", silent.port, { connectTimeoutMs: 5_000, commandTimeoutMs: 200 });
      const first = session.stats();
      const second = session.use("x");
      const err = await first.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toContain("stats");
      await expect(second).rejects.toBeInstanceOf(ConnectionError);
      expect(session.isOpen).toBe(false);
    } finally {
      for (const socket of silent.sockets) socket.destroy();
      silent.server.close();
    }
  });

  it("end() waits for replies already on the way", async () => {
    const session = await open();
    await session.use(freshTube());
    const puts = Array.from({ length: 50 }, () => session.put(0, 0, 10, Buffer.from("x")));
    await session.end(5_000);
    const ids = await Promise.all(puts);
    expect(ids).toHaveLength(50);
    expect(session.isOpen).toBe(false);
  });
});

/** One connection event with its name in `type`, as recorded by {@link recordEvents}. */
type ConnectionEvent = { [E in keyof ConnectionEvents]: { readonly type: E } & ConnectionEvents[E] }[keyof ConnectionEvents];

/** The queue's emitter, with every connection event recorded in order. */
function recordEvents(): { events: ConnectionEvent[]; emitter: Emitter<ConnectionEvents> } {
  const events: ConnectionEvent[] = [];
  const emitter = new Emitter<ConnectionEvents>();
  for (const type of ["connect", "disconnect", "reconnecting"] as const) {
    emitter.on(type, (payload) => events.push({ type, ...payload } as ConnectionEvent));
  }
  return { events, emitter };
}

describe("Connection (reconnects and re-issues use/watch)", () => {
  it("reconnects after a server restart and watches its tube again", async () => {
    await using own = await startBeanstalkd();
    const tube = freshTube();
    const { events, emitter } = recordEvents();
    const connection = new Connection({
      host: own.host,
      port: own.port,
      label: "reserver-1",
      ...TIMEOUTS,
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
      setup: async (session) => {
        await Promise.all([session.watch(tube), session.ignore("default")]);
      },
      events: emitter,
      logger: silentLogger,
      random: () => 0.5,
    });
    try {
      const first = await connection.ready(Infinity);
      expect(connection.generation).toBe(1);
      const blocked = first.reserveWithTimeout(60).catch((e: unknown) => e);
      await own.restart();
      expect(await blocked).toBeInstanceOf(ConnectionError);
      const second = await connection.ready(Infinity);
      expect(second).not.toBe(first);
      expect(connection.generation).toBe(2);
      // The new socket watches the tube (and not "default"): a job put there is reserved.
      const producer = await Session.open(own.host, own.port, TIMEOUTS);
      await producer.put(0, 0, 10, Buffer.from("default tube"));
      await producer.use(tube);
      const id = await producer.put(0, 0, 10, Buffer.from("mine"));
      producer.destroy();
      expect((await second.reserveWithTimeout(1))?.id).toBe(id);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["connect", "disconnect"]));
      expect(events.filter((e) => e.type === "connect")).toHaveLength(2);
    } finally {
      connection.close();
    }
  });

  it("waits out an outage with backoff, reporting each failed attempt", async () => {
    await using own = await startBeanstalkd();
    await own.kill();
    const { events, emitter } = recordEvents();
    const connection = new Connection({
      host: own.host,
      port: own.port,
      label: "producer",
      ...TIMEOUTS,
      backoff: { initialDelayMs: 10, maxDelayMs: 40 },
      setup: async () => undefined,
      events: emitter,
      logger: silentLogger,
      random: () => 0.999,
    });
    try {
      const ready = connection.ready(Infinity);
      while (events.filter((e) => e.type === "reconnecting").length < 4) await new Promise((r) => setTimeout(r, 10));
      await own.restart();
      await ready;
      const retries = events.flatMap((e) => (e.type === "reconnecting" ? [e] : []));
      expect(retries.slice(0, 4).map((e) => [e.attempt, e.delayMs])).toEqual([
        [1, 10],
        [2, 20],
        [3, 40],
        [4, 40],
      ]);
      expect(retries[0]?.error.message).toMatch(/ECONNREFUSED/);
      expect(events.at(-1)?.type).toBe("connect");
    } finally {
      connection.close();
    }
  });

  it("gives up at the caller's deadline with the last error, and stops trying when nobody waits", async () => {
    const port = await freePort();
    const { events, emitter } = recordEvents();
    const connection = new Connection({
      host: "127.0.0.1",
      port,
      label: "producer",
      ...TIMEOUTS,
      backoff: { initialDelayMs: 10, maxDelayMs: 20 },
      setup: async () => undefined,
      events: emitter,
      logger: silentLogger,
    });
    const err = await connection.ready(systemTime.now() + 150).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/no connection to beanstalkd at 127\.0\.0\.1:\d+ \(producer\): .*ECONNREFUSED/);
    // The attempt under way when the caller gave up ends, and no other follows.
    await until(() => !connection.isConnecting, "the connect attempts to stop");
    const count = events.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(events.length).toBe(count);
    expect(connection.isConnecting).toBe(false);
    connection.close();
  });

  it("close() ends a wait for a connection at once", async () => {
    const port = await freePort();
    const connection = new Connection({
      host: "127.0.0.1",
      port,
      label: "producer",
      ...TIMEOUTS,
      backoff: { initialDelayMs: 1_000, maxDelayMs: 1_000 },
      setup: async () => undefined,
      events: new Emitter<ConnectionEvents>(),
      logger: silentLogger,
    });
    const waiting = connection.ready(Infinity);
    await new Promise((r) => setTimeout(r, 50));
    connection.close();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(connection.ready(Infinity)).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
