import { connect } from "@nats-io/transport-node";
import { freePort } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Actor,
  Actors,
  type AnyEvent,
  ClosedError,
  type ConnectedEvents,
  Event,
  Events,
  EventsError,
  type HandlerContext,
  InvalidOptionError,
  InvalidPayloadError,
  MAX_DELAY_MS,
  PayloadTooLargeError,
  readDeadLetters,
  StreamConfigError,
  StreamExistsError,
  UnknownEventError,
} from "../src/index.js";
import { memoryLogger } from "./fakes.js";
import { HEADER_MATRIX } from "./header-matrix.js";
import { sharedNatsServer, uniqueName } from "./helpers.js";

const nats = sharedNatsServer();

/** Registers the event's stream and one actor, emits with `emit`, handles with one burst. */
async function roundTrip(event: AnyEvent, emit: (events: ConnectedEvents) => Promise<unknown>) {
  const seen: { payload: unknown; ctx: HandlerContext }[] = [];
  await using events = await Events(event).connect(nats.nc);
  await events.register();
  await using actors = await Actors(Actor("probe", event, (payload, ctx) => void seen.push({ payload, ctx }))).connect(nats.nc);
  await actors.register();
  await emit(events);
  await events.flush();
  await actors.listen({ burst: true, pollDelayMs: 1_000 }); // batch 1: returns as soon as the event came
  return seen;
}

describe("round trip and naming", () => {
  it("delivers the emitted value, typed by its schema", async () => {
    const event = Event(uniqueName("user-created"), { schema: z.object({ name: z.string(), age: z.number() }) });
    const seen = await roundTrip(event, (events) => events.emit(event, { name: "mark", age: 32 }));
    expect(seen.map((s) => s.payload)).toEqual([{ name: "mark", age: 32 }]);
  });

  it("maps an event to one stream with one subject and interest retention, an actor to a durable pull consumer", async () => {
    const name = uniqueName("user-created");
    const event = Event(name, { description: "a user signed up" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    await using actors = await Actors(Actor("send-email", event, () => undefined, { ackWaitMs: 3_000, maxAckPending: 7 })).connect(nats.nc);
    await actors.register();
    const stream = await nats.jsm.streams.info(name);
    expect(stream.config).toMatchObject({
      name,
      subjects: [name],
      retention: "interest",
      storage: "file",
      description: "a user signed up",
    });
    const consumer = await nats.jsm.consumers.info(name, "send-email");
    expect(consumer.config).toMatchObject({
      durable_name: "send-email",
      ack_policy: "explicit",
      deliver_policy: "all",
      ack_wait: 3_000_000_000,
      max_ack_pending: 7,
      max_deliver: -1,
    });
    expect(consumer.config.deliver_subject).toBeUndefined(); // pull
  });
});

describe("producer de-duplication", () => {
  it("stores one event for three sync emits of one uid, reports and logs the duplicates", async () => {
    const event = Event<string>(uniqueName("dedup"));
    const logger = memoryLogger();
    await using events = await Events(event).connect({ servers: nats.url, logger });
    await events.register();
    await using actors = await Actors(Actor("once", event, () => undefined)).connect(nats.nc);
    await actors.register();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await events.emit(event, "hello", { uid: "m1", sync: true }));
    expect(results.map((r) => r.duplicate)).toEqual([false, true, true]);
    expect(results.every((r) => r.acknowledged && r.seq === 1)).toBe(true);
    expect(logger.lines.filter((l) => l.message === "duplicate emit dropped by the stream")).toEqual([
      { level: "debug", message: "duplicate emit dropped by the stream", fields: { event: event.name, uid: "m1" } },
      { level: "debug", message: "duplicate emit dropped by the stream", fields: { event: event.name, uid: "m1" } },
    ]);
    for (let i = 0; i < 3; i++)
      expect(await events.emit(event, "again", { uid: "m2" })).toEqual({ acknowledged: false, duplicate: false, seq: undefined });
    await events.flush();
    expect((await nats.jsm.streams.info(event.streamName)).state.messages).toBe(2);
    expect(logger.lines.filter((l) => l.message === "duplicate emit dropped by the stream")).toHaveLength(2);
    const handled: string[] = [];
    await using listener = await Actors(Actor("once", event, (s) => void handled.push(s))).connect(nats.nc);
    await listener.listen({ burst: true, batch: 2, pollDelayMs: 1_000 });
    expect(handled).toEqual(["hello", "again"]);
  });
});

describe("headers seen by the actor", () => {
  it.each(HEADER_MATRIX)("%s", async (_name, options, expected) => {
    const event = Event<number>(uniqueName("headers"));
    const seen = await roundTrip(event, (events) => events.emit(event, 1, options));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.ctx.headers).toEqual(expected);
  });
});

describe("register matrix", () => {
  type State = "missing" | "same" | "age" | "consumers";
  const initial = (name: string): AnyEvent => Event(name);
  const changed = (name: string, state: State): AnyEvent =>
    state === "age"
      ? Event(name, { limits: { ageMs: 60_000 } })
      : state === "consumers"
        ? Event(name, { limits: { consumers: 5 } })
        : Event(name);
  const outcome = async (create: boolean, update: boolean, state: State): Promise<string> => {
    const name = uniqueName("matrix");
    if (state !== "missing") await (await Events(initial(name)).connect(nats.nc)).register();
    try {
      await (await Events(changed(name, state)).connect(nats.nc)).register({ create, update });
    } catch (error) {
      if (error instanceof StreamExistsError) return "StreamExistsError";
      if (error instanceof StreamConfigError) return "StreamConfigError";
      if (!(error instanceof EventsError) && String(error).includes("stream not found")) return "not found";
      throw error;
    }
    const info = await nats.jsm.streams.info(name).catch(() => undefined);
    if (info === undefined) return "no stream";
    if (state === "age") return info.config.max_age === 60_000_000_000 ? "updated" : "unchanged";
    return state === "missing" ? "created" : "ok";
  };
  it.each([
    [true, true, ["created", "ok", "updated", "StreamConfigError"]],
    [true, false, ["created", "ok", "StreamExistsError", "StreamExistsError"]],
    [false, true, ["not found", "ok", "updated", "StreamConfigError"]],
    [false, false, ["no stream", "ok", "unchanged", "ok"]],
  ])("create=%s update=%s", async (create, update, expected) => {
    const states: State[] = ["missing", "same", "age", "consumers"];
    const results = [];
    for (const state of states) results.push(await outcome(create, update, state));
    expect(results).toEqual(expected);
  });

  it("refuses a retention change with StreamConfigError", async () => {
    const name = uniqueName("retention");
    await (await Events(Event(name)).connect(nats.nc)).register();
    await expect((await Events(Event(name, { retention: "limits" })).connect(nats.nc)).register()).rejects.toThrow(StreamConfigError);
  });

  it("asks for the replicas an event declares; a single server refuses more than one with StreamConfigError", async () => {
    const name = uniqueName("replicated");
    await using events = await Events(Event(name, { replicas: 1 })).connect(nats.nc);
    await events.register();
    expect((await nats.jsm.streams.info(name)).config.num_replicas).toBe(1);
    const three = Events(Event(name, { replicas: 3 })).connect(nats.nc);
    await expect((await three).register()).rejects.toThrow(new RegExp(`stream "${name}".*replicas`));
    await expect(
      Events(Event(uniqueName("fresh"), { replicas: 3 }))
        .connect(nats.nc)
        .then((e) => e.register()),
    ).rejects.toThrow(StreamConfigError);
    expect(() => Event(uniqueName("six"), { replicas: 6 })).toThrow(/replicas.*between 1 and 5/);
  });
});

describe("interest retention", () => {
  it("drops events emitted before any actor exists, and register warns about it", async () => {
    const event = Event<number>(uniqueName("early"));
    const logger = memoryLogger();
    await using events = await Events(event).connect({ connection: nats.nc, logger });
    const { warnings } = await events.register();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/interest retention and has no actor yet: events emitted .* are dropped/);
    expect(logger.lines.filter((l) => l.level === "warn")).toHaveLength(1);
    await events.emit(event, 1, { sync: true });
    const seen: number[] = [];
    await using actors = await Actors(Actor("late", event, (n) => void seen.push(n))).connect(nats.nc);
    await actors.register();
    await actors.listen({ burst: true, pollDelayMs: 1_000 });
    expect(seen).toEqual([]);
    expect((await events.register()).warnings).toEqual([]); // an actor exists now
  });

  it("keeps them with retention: limits, and does not warn", async () => {
    const event = Event<number>(uniqueName("early-limits"), { retention: "limits" });
    await using events = await Events(event).connect(nats.nc);
    expect((await events.register()).warnings).toEqual([]);
    await events.emit(event, 1, { sync: true });
    const seen: number[] = [];
    await using actors = await Actors(Actor("late", event, (n) => void seen.push(n))).connect(nats.nc);
    await actors.register();
    await actors.listen({ burst: true, pollDelayMs: 1_000 });
    expect(seen).toEqual([1]);
  });
});

describe("emit", () => {
  it("validates the payload before publishing anything", async () => {
    const event = Event(uniqueName("checked"), { schema: z.object({ id: z.number() }) });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    await expect(events.emit(event, { id: "x" } as never, { sync: true })).rejects.toThrow(InvalidPayloadError);
    expect((await nats.jsm.streams.info(event.streamName)).state.messages).toBe(0);
  });

  it("refuses events of another registry and bad options, naming them", async () => {
    const mine = Event<number>(uniqueName("mine"));
    await using events = await Events(mine).connect(nats.nc);
    await expect(events.emit(Event<number>("other"), 1)).rejects.toThrow(UnknownEventError);
    await expect(events.emit(mine, 1, { delayMs: -5 })).rejects.toThrow(/`delayMs`/);
    await expect(events.emit(mine, 1, { delay: 5 } as never)).rejects.toThrow(
      /`delay` is not an option of emit\(\); valid options: delayMs, delayUntil/,
    );
    await expect(events.emit(mine, 1, { sync: true, timeoutMs: 0 })).rejects.toThrow(/`timeoutMs`/);
  });

  it("refuses an event larger than the server or the event's messageSize accepts, even fire-and-forget", async () => {
    const small = Event<string>(uniqueName("small"), { limits: { messageSize: 1_000 } });
    const other = Event<string>(uniqueName("other"));
    await using events = await Events(small, other).connect(nats.nc);
    await events.register();
    // 998 + 2 quotes = 1,000 bytes: exactly the limit, which the server accepts.
    expect((await events.emit(small, "x".repeat(998), { sync: true })).acknowledged).toBe(true);
    await expect(events.emit(small, "x".repeat(999))).rejects.toThrow(PayloadTooLargeError);
    // Headers count too: 28 bytes for one uid header (971 + 2 + 28 = 1,001).
    const withUid = await events.emit(small, "x".repeat(971), { uid: "u" }).catch((error: unknown) => error);
    expect(withUid).toMatchObject({ code: "ERR_X_EVENTS_PAYLOAD_TOO_LARGE", size: 1_001, limit: 1_000 });
    const huge = await events.emit(other, "x".repeat(2 * 1024 * 1024)).catch((error: unknown) => error);
    expect(huge).toBeInstanceOf(PayloadTooLargeError);
    expect(huge).toMatchObject({ event: other.name, limit: nats.nc.info?.max_payload });
    // Still serving.
    expect((await events.emit(other, "fine", { sync: true })).acknowledged).toBe(true);
  });

  it("hands a long burst of fire-and-forget events to the client in 64 KiB chunks, the rest at the end of the turn", async () => {
    const event = Event<string>(uniqueName("burst"));
    await using events = await Events(event).connect({ servers: nats.url });
    await events.register();
    const sent = (): number => events.connection.stats().outMsgs;
    const before = sent();
    const emits = Array.from({ length: 100 }, () => events.emit(event, "x".repeat(1_022))); // 1,024 bytes each
    const inTheSameTurn = sent() - before;
    await Promise.all(emits);
    await events.flush();
    expect(inTheSameTurn).toBe(64);
    expect(sent() - before).toBe(100);
  });

  it("hands the events of a loop of awaited emits over together, once the loop yields, before the next event-loop turn", async () => {
    const event = Event<number>(uniqueName("handover"));
    await using events = await Events(event).connect({ servers: nats.url });
    await events.register();
    const sent = (): number => events.connection.stats().outMsgs;
    const before = sent();
    const seenInTheLoop: number[] = [];
    for (let i = 0; i < 10; i++) {
      await events.emit(event, i);
      seenInTheLoop.push(sent() - before);
    }
    // A nextTick queued now runs after the one emit queued (both before any I/O or timer).
    await new Promise<void>((resolve) => {
      process.nextTick(resolve);
    });
    expect(seenInTheLoop).toEqual(Array.from({ length: 10 }, () => 0)); // one hand-over for the whole loop
    expect(sent() - before).toBe(10);
    await events.flush();
  });

  it("refuses a delay beyond MAX_DELAY_MS, naming the option", async () => {
    const event = Event<number>(uniqueName("far"));
    await using events = await Events(event).connect(nats.nc);
    await expect(events.emit(event, 1, { delayMs: MAX_DELAY_MS + 1_000 })).rejects.toThrow(
      /`delayMs` must be a finite number of milliseconds between 0 and 9000000000000/,
    );
    await expect(events.emit(event, 1, { delayUntil: new Date(Date.now() + MAX_DELAY_MS + 60_000) })).rejects.toThrow(InvalidOptionError);
  });

  it("stops waiting for the acknowledgement when its signal aborts", async () => {
    const event = Event<number>(uniqueName("aborted"));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    await expect(events.emit(event, 1, { sync: true, signal: AbortSignal.abort(new Error("gave up")) })).rejects.toThrow("gave up");
  });
});

describe("connections", () => {
  it("never closes an injected connection; closes its own; close is idempotent", async () => {
    const event = Event<number>(uniqueName("conn"));
    const injected = await connect({ servers: nats.url });
    const borrowed = await Events(event).connect(injected);
    await borrowed.close();
    await borrowed.close();
    expect(injected.isClosed()).toBe(false);
    await expect(borrowed.emit(event, 1)).rejects.toThrow(ClosedError);
    const actors = await Actors(Actor("a", event, () => undefined)).connect({ connection: injected });
    await actors.close();
    expect(injected.isClosed()).toBe(false);
    await injected.close();

    const own = await Events(event).connect({ servers: nats.url });
    await own.close();
    expect(own.connection.isClosed()).toBe(true);
  });

  it("stops waiting for a server that is not there when the signal aborts", async () => {
    const event = Event<number>(uniqueName("nowhere"));
    const stop = new AbortController();
    const connecting = Events(event).connect({
      servers: `nats://127.0.0.1:${await freePort()}`,
      nats: { waitOnFirstConnect: true, maxReconnectAttempts: 2, reconnectTimeWait: 50 },
      signal: stop.signal,
    });
    stop.abort(new Error("gave up"));
    await expect(connecting).rejects.toThrow("gave up");
  });

  it("validates connect options before connecting, naming them", async () => {
    const event = Event<number>(uniqueName("opts"));
    await expect(Events(event).connect({ servers: nats.url, logger: { debug: () => undefined } as never })).rejects.toThrow(/`logger`/);
    await expect(Events(event).connect({ servers: [] })).rejects.toThrow(/`servers`/);
    await expect(Actors(Actor("a", event, () => undefined)).connect({ servers: nats.url, ackTimeoutMs: 0 })).rejects.toThrow(
      /`ackTimeoutMs`/,
    );
    // Unknown keys (typos, options of an earlier release) fail before anything is opened.
    await expect(Events(event).connect({ sever: nats.url } as never)).rejects.toThrow(
      /`sever` is not an option of Events.connect\(\); valid options: connection, logger/,
    );
    await expect(Actors(Actor("a", event, () => undefined)).connect({ servers: nats.url, ackTimeout: 5 } as never)).rejects.toThrow(
      /`ackTimeout` is not an option of Actors.connect\(\); valid options: ackTimeoutMs, connection, deadLetters/,
    );
    await expect(Events(event).connect({ servers: nats.url, onStatus: () => undefined } as never)).rejects.toThrow(InvalidOptionError);
    await expect(
      Actors(Actor("a", event, () => undefined)).connect({ servers: nats.url, deadLetters: { stream: "dead letters" } }),
    ).rejects.toThrow(/`deadLetters.stream`/);
  });
});

describe("readDeadLetters", () => {
  it("validates its options, naming them, and honours its signal", async () => {
    await expect(readDeadLetters(nats.nc, { limit: 0 })).rejects.toThrow(/`limit`/);
    await expect(readDeadLetters(nats.nc, { from: 0 })).rejects.toThrow(/`from`/);
    await expect(readDeadLetters(nats.nc, { stream: "no.dots" })).rejects.toThrow(/`stream`/);
    await expect(readDeadLetters(nats.nc, { max: 5 } as never)).rejects.toThrow(/`max` is not an option of readDeadLetters\(\)/);
    await expect(readDeadLetters(nats.nc, { signal: AbortSignal.abort(new Error("not now")) })).rejects.toThrow("not now");
  });
});
