import { setTimeout as sleep } from "node:timers/promises";
import { printFaultReport, soakScale, startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Actor, Actors, EmitsNotConfirmedError, Event, Events, type UnconfirmedEmit } from "../../src/index.js";
import { until } from "../helpers.js";

const RESTARTS = soakScale(1, 3);
const DOWN_MS = soakScale(1_500, 3_000);
const UP_MS = soakScale(1_500, 5_000);
/** Reconnect quickly, so the short run spends its time on the fault, not on waiting. */
const nats = { reconnectTimeWait: 100 };

/** Kills the server (SIGKILL) `RESTARTS` times while `running()`, each time for `DOWN_MS`. */
async function killAndRestart(server: Awaited<ReturnType<typeof startNatsServer>>): Promise<void> {
  for (let i = 0; i < RESTARTS; i++) {
    await sleep(UP_MS);
    await server.kill();
    await sleep(DOWN_MS);
    await server.restart();
  }
  await sleep(UP_MS);
}

const count = (handled: Map<string, number>): number => [...handled.values()].reduce((sum, n) => sum + n - 1, 0);

describe("fault: nats-server kill -9 with emitters and actors running", () => {
  it("confirmed emits (sync): every event the server confirmed is handled", async () => {
    await using server = await startNatsServer();
    const event = Event<{ n: number }>("kill-sync");
    const handled = new Map<string, number>();
    const actor = Actor(
      "kill-sync-counter",
      event,
      (_p, ctx) => {
        handled.set(ctx.uid ?? "", (handled.get(ctx.uid ?? "") ?? 0) + 1);
      },
      { ackWaitMs: 3_000 },
    );
    await using events = await Events(event).connect({ servers: server.url, nats });
    await events.register();
    await using actors = await Actors(actor).connect({ servers: server.url, nats });
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000, batch: 16 });

    const confirmed: string[] = [];
    let refused = 0;
    const emitting = new AbortController();
    const emitter = (async () => {
      for (let n = 0; !emitting.signal.aborted; n++) {
        try {
          await events.emit(event, { n }, { sync: true, uid: `kill-sync-${n}`, timeoutMs: 1_000 });
          confirmed.push(`kill-sync-${n}`);
        } catch {
          refused++; // not confirmed: the emitter knows, nothing was promised
          await sleep(50);
        }
      }
    })();
    await killAndRestart(server);
    emitting.abort();
    await emitter;
    await until(() => confirmed.every((uid) => handled.has(uid)));
    stop.abort();
    await listening;

    const lost = confirmed.filter((uid) => !handled.has(uid)).length;
    printFaultReport({
      scenario: "events: kill -9, sync emits",
      confirmed: confirmed.length,
      handled: handled.size,
      lost,
      duplicated: count(handled),
      refused,
      restarts: RESTARTS,
    });
    expect(lost).toBe(0);
    expect(confirmed.length).toBeGreaterThan(0);
  });

  it("fire-and-forget emits: every event that was not handled was reported unconfirmed (none lost silently)", async () => {
    await using server = await startNatsServer();
    const event = Event<{ n: number }>("kill-async");
    const handled = new Map<string, number>();
    const actor = Actor(
      "kill-async-counter",
      event,
      (_p, ctx) => {
        handled.set(ctx.uid ?? "", (handled.get(ctx.uid ?? "") ?? 0) + 1);
      },
      { ackWaitMs: 3_000 },
    );
    const unconfirmed = new Map<string, UnconfirmedEmit>();
    await using events = await Events(event).connect({ servers: server.url, nats });
    events.on("unconfirmed", (emit) => void unconfirmed.set(emit.uid ?? "", emit));
    await events.register();
    await using actors = await Actors(actor).connect({ servers: server.url, nats });
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000, batch: 16 });

    const emitted: string[] = [];
    const emitting = new AbortController();
    const emitter = (async () => {
      for (let n = 0; !emitting.signal.aborted; n++) {
        await events.emit(event, { n }, { uid: `kill-async-${n}`, timeoutMs: 2_000 });
        emitted.push(`kill-async-${n}`);
        if (n % 10 === 9) await sleep(5);
      }
    })();
    await killAndRestart(server);
    emitting.abort();
    await emitter;
    const flushed = await events.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    // Everything is now confirmed or reported. Wait until every event is handled or reported
    // (a reported one may still have been stored and be handled too).
    await Promise.race([until(() => emitted.every((uid) => handled.has(uid) || unconfirmed.has(uid))), sleep(30_000)]);
    stop.abort();
    await listening;

    const counts = events.emitCounts;
    const lostSilently = emitted.filter((uid) => !handled.has(uid) && !unconfirmed.has(uid));
    const notHandled = emitted.filter((uid) => !handled.has(uid)).length;
    printFaultReport({
      scenario: "events: kill -9, fire-and-forget emits",
      confirmed: counts.confirmed,
      handled: handled.size,
      lost: lostSilently.length,
      duplicated: count(handled),
      emitted: emitted.length,
      unconfirmed: counts.unconfirmed,
      notHandled,
      restarts: RESTARTS,
      reasons: [...new Set([...unconfirmed.values()].map((emit) => emit.reason))].join(" | "),
    });
    expect(counts.pending).toBe(0);
    expect(counts.confirmed + counts.unconfirmed).toBe(emitted.length);
    expect(lostSilently).toEqual([]);
    if (counts.unconfirmed > 0) {
      expect(flushed).toBeInstanceOf(EmitsNotConfirmedError);
      expect((flushed as EmitsNotConfirmedError).count).toBe(counts.unconfirmed);
    } else {
      expect(flushed).toBeUndefined();
    }
  });
});
