import { setTimeout as sleep } from "node:timers/promises";
import { printFaultReport, soakScale, startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Actor, Actors, ConnectionLostError, type ConnectionStatus, Event, Events } from "../../src/index.js";
import { until } from "../helpers.js";

/**
 * The client's reconnect pause in the short run: with the client's old default of 10 attempts,
 * 100 ms apart, it gave up after about a second, so a 3 s outage shows the old limit quickly.
 * Under soak the default options are used and the outage outlasts the old ~20 s give-up time.
 */
const FAST_RECONNECT = { reconnectTimeWait: 100 };
const OUTAGE_MS = soakScale(3_000, 45_000);
const AFTER = soakScale(50, 500);

describe("fault: a long nats-server outage", () => {
  it("actors and emitters survive an outage longer than the client's old give-up time and handle every event emitted after it", async () => {
    await using server = await startNatsServer();
    const event = Event<{ n: number }>("outage");
    const handled = new Map<number, number>();
    const actor = Actor("outage-counter", event, ({ n }) => {
      handled.set(n, (handled.get(n) ?? 0) + 1);
    });
    const nats = soakScale<{ reconnectTimeWait?: number }>(FAST_RECONNECT, {});
    await using events = await Events(event).connect({ servers: server.url, nats });
    await events.register();
    await using actors = await Actors(actor).connect({ servers: server.url, nats });
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });

    await server.kill();
    await sleep(OUTAGE_MS);
    await server.restart();

    const confirmed: number[] = [];
    for (let n = 0; n < AFTER; n++) {
      // The first emits may meet a client that has not reconnected yet: retry until confirmed.
      for (;;) {
        try {
          await events.emit(event, { n }, { sync: true, uid: `outage-${n}`, timeoutMs: 1_000 });
          confirmed.push(n);
          break;
        } catch (error) {
          expect(error).not.toBeInstanceOf(ConnectionLostError);
          await sleep(100);
        }
      }
    }
    await until(() => confirmed.every((n) => handled.has(n)));
    stop.abort();
    await listening;
    const lost = confirmed.filter((n) => !handled.has(n)).length;
    const duplicated = [...handled.values()].reduce((sum, count) => sum + count - 1, 0);
    printFaultReport({
      scenario: "events: nats-server down, then back",
      confirmed: confirmed.length,
      handled: handled.size,
      lost,
      duplicated,
      outageMs: OUTAGE_MS,
    });
    expect(lost).toBe(0);
    expect(confirmed).toHaveLength(AFTER);
  });

  it("with a reconnect limit that runs out, listen() rejects with ConnectionLostError and emit throws it, instead of idling forever", async () => {
    await using server = await startNatsServer();
    const event = Event<{ n: number }>("outage-limit");
    const statuses: ConnectionStatus[] = [];
    const options = { servers: server.url, nats: FAST_RECONNECT, maxReconnectAttempts: 3 };
    await using events = await Events(event).connect(options);
    events.on("status", (s) => void statuses.push(s));
    await events.register();
    await using actors = await Actors(Actor("outage-limit", event, () => undefined)).connect(options);
    actors.on("status", (s) => void statuses.push(s));
    await actors.register();
    const listening = actors.listen({ pollDelayMs: 1_000 });
    const outcome = listening.then(
      () => "resolved",
      (error: unknown) => error,
    );

    await server.kill();
    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as ConnectionLostError).code).toBe("ERR_X_EVENTS_CONNECTION_LOST");
    // Both connections (the actors' and the emitter's) report their loss; then emit throws it.
    await until(() => statuses.filter((s) => s.type === "closed").length === 2);
    await expect(events.emit(event, { n: 1 })).rejects.toBeInstanceOf(ConnectionLostError);
    expect(statuses.find((s) => s.type === "closed")?.error).toBeInstanceOf(ConnectionLostError);
    expect(statuses.map((s) => s.type)).toContain("disconnected");
  }, 60_000);
});
