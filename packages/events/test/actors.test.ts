import { setTimeout as sleep } from "node:timers/promises";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { HEADER_DELAY_UNTIL } from "../src/headers.js";
import {
  Actor,
  type ActorOptions,
  Actors,
  type AnyActor,
  Clock,
  ClosedError,
  ConsumerConfigError,
  type DeadLetterContext,
  dateSerializer,
  Event,
  Events,
  type Handler,
  type JobOutcome,
  JobTimeoutError,
  type ListenOptions,
  readDeadLetters,
  ShutdownError,
} from "../src/index.js";
import { gate, publishRaw, sharedNatsServer, uniqueName, until } from "./helpers.js";

const nats = sharedNatsServer();

/** One event with its stream, and a registered actor on it; `emit` publishes and waits for the ack. */
async function setup<T>(handler: Handler<T>, options: ActorOptions<T> = {}, name = uniqueName("actors")) {
  const event = Event<T>(name);
  const events = await Events(event).connect(nats.nc);
  await events.register();
  const actor = Actor("worker", event, handler, options);
  const actors = await Actors(actor).connect(nats.nc);
  await actors.register();
  return {
    event,
    actor,
    actors,
    emit: (payload: T, extra: Parameters<typeof events.emit>[2] = {}) => events.emit(event, payload, { sync: true, ...extra }),
    consumer: () => nats.jsm.consumers.info(event.streamName, actor.name),
    /** `onOutcome` listens to `on("outcome")` for the duration of this listen call. */
    listen: async ({ onOutcome, ...options }: ListenOptions & { onOutcome?: (actor: AnyActor, outcome: JobOutcome) => void } = {}) => {
      const off =
        onOutcome === undefined
          ? undefined
          : actors.on("outcome", (e) => {
              onOutcome(e.actor, e.outcome);
            });
      try {
        await actors.listen({ pollDelayMs: 1_000, ...options });
      } finally {
        off?.();
      }
    },
    async [Symbol.asyncDispose]() {
      await actors.close();
      await events.close();
    },
  };
}

describe("delay", () => {
  it("bounces an early event without hooks; a later poll runs it once as attempt 1, even with maxAttempts 1", async () => {
    const hooks: string[] = [];
    const handled: number[] = [];
    const outcomes: JobOutcome[] = [];
    await using t = await setup<number>((n) => void handled.push(n), {
      maxAttempts: 1,
      middlewares: [{ onStart: (ctx) => void hooks.push(`start:${ctx.attempt}`), onFailure: () => void hooks.push("failure") }],
    });
    const emittedAt = Date.now();
    await t.emit(7, { delayMs: 300 });
    await t.listen({ burst: true, onOutcome: (_a, o) => outcomes.push(o) });
    expect(outcomes).toEqual(["bounced"]);
    expect(handled).toEqual([]);
    expect(hooks).toEqual([]);
    await t.listen({ burst: true, onOutcome: (_a, o) => outcomes.push(o) });
    expect(Date.now() - emittedAt).toBeGreaterThanOrEqual(290);
    expect(outcomes).toEqual(["bounced", "acked"]);
    expect(handled).toEqual([7]);
    expect(hooks).toEqual(["start:1"]);
  });

  it("accepts an absolute Date", async () => {
    const handled: number[] = [];
    await using t = await setup<number>((n) => void handled.push(n));
    await t.emit(1, { delayUntil: new Date(Date.now() + 200) });
    const stop = new AbortController();
    const listening = t.listen({ signal: stop.signal });
    await until(() => handled.length === 1);
    stop.abort();
    await listening;
    expect(handled).toEqual([1]);
  });
});

describe("pulse", () => {
  /** Handles one event whose first call outlasts 2 x ackWaitMs; counts the calls made while it ran. */
  const longFirstCall = async (pulse: boolean): Promise<{ calls: number; whileFirstRan: number }> => {
    let calls = 0;
    let whileFirstRan = 0;
    let firstDone = false;
    await using t = await setup<number>(
      async () => {
        calls++;
        if (calls === 1) {
          // More than 2 x ackWaitMs. Pulses every 1.5 s leave 1.5 s of slack for a starved machine.
          await sleep(6_200);
          firstDone = true;
        } else if (!firstDone) {
          whileFirstRan++;
        }
      },
      { ackWaitMs: 3_000, pulse, jobTimeoutMs: 10_000 },
    );
    await t.emit(1);
    const stop = new AbortController();
    const listening = t.listen({ signal: stop.signal, drainTimeoutMs: 0 });
    await until(() => firstDone || calls >= 2);
    stop.abort();
    await listening;
    return { calls, whileFirstRan };
  };
  it("keeps a long job from being redelivered", async () => {
    expect(await longFirstCall(true)).toEqual({ calls: 1, whileFirstRan: 0 });
  });
  it("without it the event is redelivered while still running", async () => {
    // Once at least; on a busy machine the redelivery's ack can itself miss ackWaitMs and bring a third.
    expect((await longFirstCall(false)).whileFirstRan).toBeGreaterThanOrEqual(1);
  });
});

describe("job timeout", () => {
  it("aborts the handler's signal with JobTimeoutError, reports it and retries", async () => {
    const failures: unknown[] = [];
    const signals: AbortSignal[] = [];
    const outcomes: JobOutcome[] = [];
    await using t = await setup<number>(
      async (_n, ctx) => {
        signals.push(ctx.signal);
        await sleep(2_000, undefined, { signal: ctx.signal }).catch(() => undefined);
      },
      { jobTimeoutMs: 200, retryDelaysMs: [60_000], middlewares: [{ onFailure: (ctx) => void failures.push(ctx.error) }] },
    );
    await t.emit(1);
    const started = Date.now();
    await t.listen({ burst: true, onOutcome: (_a, o) => outcomes.push(o) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(outcomes).toEqual(["retried"]);
    expect(failures[0]).toBeInstanceOf(JobTimeoutError);
    expect(signals[0]?.reason).toBeInstanceOf(JobTimeoutError);
    expect((await t.consumer()).num_ack_pending).toBe(1); // handed back with the 60 s retry delay, not acked
  });
});

describe("concurrency and fetching only free slots", () => {
  it("runs a whole batch at once", async () => {
    let active = 0;
    const handlers = gate();
    const outcomes: JobOutcome[] = [];
    await using t = await setup<number>(
      async () => {
        active++;
        await handlers.passed;
      },
      { maxJobs: 20 },
    );
    for (let i = 0; i < 20; i++) await t.emit(i);
    const done = t.listen({ burst: true, batch: 20, maxJobs: 20, onOutcome: (_a, o) => outcomes.push(o) });
    await until(() => active === 20); // all 20 handlers run together (a hang here would be the failure)
    expect(outcomes).toEqual([]); // none could finish before the gate opened: they really overlap
    handlers.open();
    await done;
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => "acked"));
  });

  it("never runs more than the actor's maxJobs and never holds more unacknowledged events", async () => {
    let active = 0;
    let maxActive = 0;
    let handled = 0;
    const ackPending: number[] = [];
    await using t = await setup<number>(
      async () => {
        maxActive = Math.max(maxActive, ++active);
        ackPending.push((await t.consumer()).num_ack_pending);
        await sleep(20);
        active--;
        handled++;
      },
      { maxJobs: 1 },
    );
    for (let i = 0; i < 10; i++) await t.emit(i);
    const stop = new AbortController();
    const listening = t.listen({ signal: stop.signal, batch: 10, maxJobs: 16 });
    await until(() => handled === 10);
    stop.abort();
    await listening;
    expect(maxActive).toBe(1);
    // batch 10, but one free slot: each fetch asked for exactly one event.
    expect(Math.max(...ackPending)).toBe(1);
  });

  it("shares listen's maxJobs across actors", async () => {
    const event = Event<number>(uniqueName("shared"));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    let active = 0;
    let maxActive = 0;
    let handled = 0;
    const handler = async (): Promise<void> => {
      maxActive = Math.max(maxActive, ++active);
      await sleep(10);
      active--;
      handled++;
    };
    await using actors = await Actors(Actor("one", event, handler), Actor("two", event, handler), Actor("three", event, handler)).connect(
      nats.nc,
    );
    await actors.register();
    for (let i = 0; i < 6; i++) await events.emit(event, i, { sync: true });
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, maxJobs: 2, batch: 5, pollDelayMs: 1_000 });
    await until(() => handled === 18); // fan-out: each actor gets all 6
    stop.abort();
    await listening;
    expect(maxActive).toBe(2);
  });
});

describe("retries and dead letters", () => {
  it("retries with retryDelay, then dead-letters after maxAttempts; nothing stays behind", async () => {
    const starts: number[] = [];
    const deadLetters: DeadLetterContext[] = [];
    await using t = await setup<string>(
      () => {
        starts.push(Date.now());
        throw new Error("always fails");
      },
      { maxAttempts: 3, retryDelaysMs: [100, 200], middlewares: [{ onDeadLetter: (ctx) => void deadLetters.push(ctx) }] },
    );
    await t.emit("poison", { uid: "p-1" });
    const stop = new AbortController();
    const listening = t.listen({ signal: stop.signal });
    await until(() => deadLetters.length === 1);
    stop.abort();
    await listening;
    expect(starts).toHaveLength(3);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(95);
    expect((starts[2] ?? 0) - (starts[1] ?? 0)).toBeGreaterThanOrEqual(195);
    expect(deadLetters[0]).toMatchObject({ reason: "max-attempts", error: "Error: always fails", attempt: 3, uid: "p-1" });
    // Terminated: gone from the interest stream, never delivered again.
    expect((await nats.jsm.streams.info(t.event.streamName)).state.messages).toBe(0);
    const letters = (await readDeadLetters(nats.nc, { limit: 1_000 })).filter((l) => l.event === t.event.name);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: "max-attempts", actor: "worker", attempts: 3, uid: "p-1", error: "Error: always fails" });
    expect(new TextDecoder().decode(letters[0]?.data)).toBe('"poison"');
  });
});

/**
 * Publishes a bad event the way `publishBad` does, then a good one (42), and listens until the
 * good one is handled and the bad one dead-lettered: the actor kept working.
 */
async function badThenGood(publishBad: (subject: string) => Promise<void> | void) {
  const handled: number[] = [];
  const deadLetters: DeadLetterContext[] = [];
  await using t = await setup<number>((n) => void handled.push(n), {
    middlewares: [{ onDeadLetter: (ctx) => void deadLetters.push(ctx) }],
  });
  await publishBad(t.event.subject);
  await t.emit(42);
  const stop = new AbortController();
  const listening = t.listen({ signal: stop.signal });
  await until(() => handled.length === 1 && deadLetters.length === 1);
  stop.abort();
  await listening;
  const letter = (await readDeadLetters(nats.nc, { limit: 1_000 })).find((l) => l.event === t.event.name);
  return { handled, deadLetter: deadLetters[0], letter, event: t.event.name, ackPending: (await t.consumer()).num_ack_pending };
}

describe("hostile input from a foreign publisher", () => {
  it("sends raw garbage to the dead letters at once and keeps working", async () => {
    const bad = await badThenGood((subject) => {
      nats.nc.publish(subject, new TextEncoder().encode("\u0000garbage{"));
    });
    expect(bad.handled).toEqual([42]);
    expect(bad.deadLetter).toMatchObject({ reason: "decode-error", attempt: 1, subject: `dead-letters.${bad.event}.worker` });
    expect(bad.letter?.reason).toBe("decode-error");
    expect(bad.letter?.error).toMatch(/cannot decode payload/);
    expect(new TextDecoder().decode(bad.letter?.data)).toBe("\u0000garbage{");
    expect(bad.ackPending).toBe(0);
  });

  it("dead-letters an event with header names the client refuses, and keeps working", async () => {
    const bad = await badThenGood((subject) => publishRaw(nats.port, subject, "NATS/1.0\r\nbad key: x\r\n\r\n", "1"));
    expect(bad.handled).toEqual([42]);
    expect(bad.deadLetter?.reason).toBe("decode-error");
    expect(bad.deadLetter?.error).toMatch(/malformed headers: .*header name "bad key" has characters NATS does not allow/);
    expect(new TextDecoder().decode(bad.letter?.data)).toBe("1");
    expect(bad.ackPending).toBe(0);
  });

  it("runs an event whose delay header it cannot use at once, instead of bouncing it forever", async () => {
    const handled: number[] = [];
    const outcomes: JobOutcome[] = [];
    await using t = await setup<number>((n) => void handled.push(n));
    await publishRaw(nats.port, t.event.subject, `NATS/1.0\r\n${HEADER_DELAY_UNTIL}: 1e300\r\n\r\n`, "1");
    await publishRaw(nats.port, t.event.subject, `NATS/1.0\r\n${HEADER_DELAY_UNTIL}: 99999999999999999\r\n\r\n`, "2");
    await t.listen({ burst: true, batch: 2, maxJobs: 2, onOutcome: (_a, o) => outcomes.push(o) });
    expect(outcomes).toEqual(["acked", "acked"]);
    expect(handled).toEqual([1, 2]);
  });
});

describe("graceful drain", () => {
  it("stops fetching and lets in-flight jobs finish and be acknowledged", async () => {
    let active = 0;
    let finished = 0;
    const handlers = gate();
    const outcomes: JobOutcome[] = [];
    await using t = await setup<number>(
      async () => {
        active++;
        await handlers.passed;
        finished++;
      },
      { maxJobs: 5 },
    );
    for (let i = 0; i < 7; i++) await t.emit(i);
    const stop = new AbortController();
    const listening = t.listen({ signal: stop.signal, maxJobs: 5, batch: 5, onOutcome: (_a, o) => outcomes.push(o) });
    await until(() => active === 5);
    stop.abort();
    handlers.open();
    await listening;
    expect(finished).toBe(5);
    expect(outcomes).toEqual(["acked", "acked", "acked", "acked", "acked"]);
    const info = await t.consumer();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(2); // the two never fetched are still there for the next instance
  });

  it("aborts jobs still running at the drain deadline and hands them back at once", async () => {
    const reasons: unknown[] = [];
    let active = 0;
    await using t = await setup<number>(
      (_n, ctx) => {
        active++;
        reasons.push(ctx.signal);
        return new Promise(() => undefined); // ignores its signal and never finishes
      },
      { maxJobs: 3, retryDelaysMs: [60_000] },
    );
    for (let i = 0; i < 3; i++) await t.emit(i);
    const stop = new AbortController();
    const outcomes: JobOutcome[] = [];
    const listening = t.listen({ signal: stop.signal, maxJobs: 3, batch: 3, drainTimeoutMs: 100, onOutcome: (_a, o) => outcomes.push(o) });
    await until(() => active === 3);
    stop.abort();
    await listening;
    expect(outcomes).toEqual(["released", "released", "released"]);
    expect((reasons as AbortSignal[]).map((s) => s.reason instanceof ShutdownError)).toEqual([true, true, true]);
    // Released with no delay (not the 60 s retry delay): another instance gets them right away.
    const handled: number[] = [];
    await using next = await Actors(Actor("worker", t.event, (n: number) => void handled.push(n))).connect(nats.nc);
    await next.listen({ burst: true, batch: 3, maxJobs: 3, pollDelayMs: 1_000 });
    expect(handled.sort()).toEqual([0, 1, 2]);
  });
});

describe("Clock", () => {
  it("two clocks running together emit each of 3 ticks once, with the tick time as payload", async () => {
    const period = 1_000;
    const event = Event(uniqueName("tick"), { serializer: dateSerializer });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const ticks: Date[] = [];
    await using actors = await Actors(Actor("count", event, (at) => void ticks.push(at))).connect(nats.nc);
    await actors.register();
    // Start just after a boundary, so both clocks wait for the same three ticks.
    await sleep(period - (Date.now() % period) + 50);
    const clock = Clock({ event, periodMs: period });
    const emitted = await Promise.all([clock.run(events, { ticks: 3 }), clock.run(events, { ticks: 3 })]);
    expect(emitted).toEqual([3, 3]);
    await actors.listen({ burst: true, batch: 3, pollDelayMs: 1_000 });
    expect(ticks).toHaveLength(3);
    expect(new Set(ticks.map((t) => t.getTime())).size).toBe(3);
    expect(ticks.every((t) => t.getTime() % period === 0)).toBe(true);
  });
});

describe("register", () => {
  it("wraps a consumer change the server refuses in ConsumerConfigError", async () => {
    const event = Event<number>(uniqueName("drift"));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    await nats.jsm.consumers.add(event.streamName, {
      durable_name: "worker",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    await using actors = await Actors(Actor("worker", event, () => undefined)).connect(nats.nc);
    await expect(actors.register()).rejects.toThrow(ConsumerConfigError);
  });

  it("passes the client's 'stream not found' through when the event's stream is missing", async () => {
    await using actors = await Actors(Actor("worker", Event<number>(uniqueName("nostream")), () => undefined)).connect(nats.nc);
    await expect(actors.register()).rejects.toThrow(/stream not found/);
  });

  it("updates a changed actor in place (ack wait)", async () => {
    const event = Event<number>(uniqueName("update"));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const register = async (ackWaitMs: number, actor: AnyActor = Actor("worker", event, () => undefined, { ackWaitMs })) => {
      await using actors = await Actors(actor).connect(nats.nc);
      await actors.register();
    };
    await register(5_000);
    await register(9_000);
    expect((await nats.jsm.consumers.info(event.streamName, "worker")).config.ack_wait).toBe(9_000_000_000);
  });
});

describe("listen options", () => {
  it("are validated before anything is fetched, each error naming its option", async () => {
    await using t = await setup<number>(() => undefined);
    await expect(t.listen({ batch: 0 })).rejects.toThrow(/`batch`/);
    await expect(t.listen({ maxJobs: 1.5 })).rejects.toThrow(/`maxJobs`/);
    await expect(t.listen({ pollDelayMs: 999 })).rejects.toThrow(/`pollDelayMs` must be a finite number of milliseconds >= 1000/);
    await expect(t.listen({ drainTimeoutMs: -1 })).rejects.toThrow(/`drainTimeoutMs`/);
    await expect(t.listen({ burst: "yes" as never })).rejects.toThrow(/`burst`/);
    await expect(t.actors.listen({ onOutcome: () => undefined } as never)).rejects.toThrow(
      /`onOutcome` is not an option of listen\(\); valid options: batch, burst, drainTimeoutMs/,
    );
    await expect(t.listen({ signal: {} as never })).rejects.toThrow(/`signal`/);
  });

  it('on("outcome") reports each delivery; a listener that throws changes nothing, and unsubscribing stops it', async () => {
    const handled: number[] = [];
    await using t = await setup<number>((n) => void handled.push(n));
    const seen: string[] = [];
    const offThrowing = t.actors.on("outcome", () => {
      throw new Error("listener bug");
    });
    const off = t.actors.on("outcome", ({ actor, outcome }) => seen.push(`${actor.name}:${outcome}`));
    await t.emit(1);
    await t.listen({ burst: true });
    off();
    offThrowing();
    await t.emit(2);
    await t.listen({ burst: true });
    expect(handled).toEqual([1, 2]);
    expect(seen).toEqual(["worker:acked"]);
  });

  it("returns at once for a signal that is already aborted, and after close()", async () => {
    await using t = await setup<number>(() => undefined);
    await t.listen({ signal: AbortSignal.abort() });
    await t.actors.close();
    await t.actors.close(); // idempotent
    await expect(t.listen()).rejects.toThrow(ClosedError);
  });
});
