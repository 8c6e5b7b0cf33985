import { setTimeout as sleep } from "node:timers/promises";
import { printFaultReport, soakScale, startNatsServer, startTcpProxy } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PING_OUT, DEFAULT_PING_INTERVAL_MS } from "../../src/connection.js";
import { Actor, Actors, type ConnectionStatus, Event, Events } from "../../src/index.js";
import { until } from "../helpers.js";

const PARTITION_MS = soakScale(7_000, 60_000);
const BEFORE = soakScale(20, 200);
const DURING = soakScale(20, 500);

describe("fault: a partition (TCP stays open, nothing flows)", () => {
  it("the actors' connection notices within seconds with the default options and consumption goes on after the partition", async () => {
    await using server = await startNatsServer();
    await using proxy = await startTcpProxy({ host: server.host, port: server.port });
    const event = Event<{ n: number }>("partition");
    const handled = new Map<number, number>();
    const statuses: ConnectionStatus[] = [];
    // The emitter talks to the server directly; only the actors sit behind the proxy.
    await using events = await Events(event).connect({ servers: server.url });
    await events.register();
    await using actors = await Actors(
      Actor(
        "partition-counter",
        event,
        ({ n }) => {
          handled.set(n, (handled.get(n) ?? 0) + 1);
          // Events the server pushed into the partition are lost with the old connection and come
          // again after ackWaitMs: a short one keeps the test short.
        },
        { ackWaitMs: 3_000 },
      ),
    ).connect({ servers: proxy.url("nats") });
    actors.on("status", (s) => void statuses.push(s));
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });

    let n = 0;
    const emit = async (count: number): Promise<void> => {
      for (const end = n + count; n < end; n++) await events.emit(event, { n }, { sync: true, uid: `partition-${n}` });
    };
    await emit(BEFORE);
    await until(() => handled.size === BEFORE);

    proxy.stall();
    const stalledAt = Date.now();
    await emit(DURING); // stored by the server, not delivered while the partition lasts
    await until(() => statuses.some((s) => s.type === "disconnected"));
    const noticedMs = (statuses.find((s) => s.type === "disconnected")?.at ?? Number.NaN) - stalledAt;
    await sleep(Math.max(0, PARTITION_MS - (Date.now() - stalledAt)));
    proxy.resume();
    await emit(BEFORE);
    await until(() => handled.size === n);
    const recoveredMs = Date.now() - stalledAt - PARTITION_MS;
    stop.abort();
    await listening;

    const duplicated = [...handled.values()].reduce((sum, count) => sum + count - 1, 0);
    printFaultReport({
      scenario: "events: partition between actors and nats-server",
      confirmed: n,
      handled: handled.size,
      lost: n - handled.size,
      duplicated,
      partitionMs: PARTITION_MS,
      noticedMs,
      recoveredMs,
    });
    expect(statuses.map((s) => s.type)).toContain("stale");
    expect(statuses.map((s) => s.type)).toContain("reconnected");
    // Noticed after maxPingOut unanswered pings, at the next ping: at most (maxPingOut + 1) intervals.
    expect(noticedMs).toBeLessThanOrEqual((DEFAULT_MAX_PING_OUT + 1) * DEFAULT_PING_INTERVAL_MS + 1_000);
    expect(handled.size).toBe(n);
  });
});
