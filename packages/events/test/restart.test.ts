import { setTimeout as sleep } from "node:timers/promises";
import { startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Actor, Actors, Event, Events } from "../src/index.js";
import { until } from "./helpers.js";

const TOTAL = 400;
const RESTART_AT = 150;
const reconnecting = { maxReconnectAttempts: -1, reconnectTimeWait: 100 };

describe("server restart mid-stream (file store)", () => {
  it("loses nothing the server acknowledged: every acknowledged event is handled after the restart", async () => {
    await using server = await startNatsServer();
    const event = Event<{ n: number }>("restarts");
    const handled = new Set<string>();
    // A slow actor, so a backlog of stored but unhandled events exists when the server dies.
    const actor = Actor(
      "counter",
      event,
      async (_payload, ctx) => {
        await sleep(5);
        handled.add(ctx.uid ?? "");
      },
      { ackWaitMs: 2_000, maxJobs: 2 },
    );
    await using events = await Events(event).connect({ servers: server.url, nats: reconnecting });
    await events.register();
    await using actors = await Actors(actor).connect({ servers: server.url, nats: reconnecting });
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });

    const acknowledged: string[] = [];
    let failed = 0;
    let restarting: Promise<void> | undefined;
    let backlogAtKill = 0;
    for (let i = 0; i < TOTAL; i++) {
      if (i === RESTART_AT) {
        backlogAtKill = acknowledged.filter((uid) => !handled.has(uid)).length;
        await server.kill(); // SIGKILL: no clean shutdown of the store
        restarting = server.restart();
      }
      const uid = `restart-${i}`;
      try {
        await events.emit(event, { n: i }, { uid, sync: true, timeoutMs: 1_000 });
        acknowledged.push(uid);
      } catch {
        failed++; // not acknowledged while the server was down: the publisher knows, nothing promised
      }
      if (restarting !== undefined && i === RESTART_AT) await restarting;
    }
    await until(() => acknowledged.every((uid) => handled.has(uid)));
    stop.abort();
    await listening;

    expect(backlogAtKill).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(TOTAL - 50);
    expect(acknowledged.length + failed).toBe(TOTAL);
    expect(acknowledged.filter((uid) => !handled.has(uid))).toEqual([]);
    // Some events were acknowledged before and some after the restart.
    expect(acknowledged).toContain("restart-0");
    expect(acknowledged).toContain(`restart-${TOTAL - 1}`);
  }, 120_000);
});
