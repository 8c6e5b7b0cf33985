/** monitor(): walnats' live feed, against a real nats-server. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, Events, type MonitoredEvent } from "../src/index.js";
import { publishRaw, sharedNatsServer, uniqueName, until } from "./helpers.js";

const nats = sharedNatsServer();

describe("monitor()", () => {
  it("shows each published event decoded, an undecodable one with its error, and touches no consumer", async () => {
    const event = Event(uniqueName("watched"), { schema: z.object({ n: z.number() }), retention: "limits" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const stop = new AbortController();
    const seen: MonitoredEvent[] = [];
    const reading = (async () => {
      for await (const entry of events.monitor({ signal: stop.signal })) seen.push(entry);
    })();
    await events.emit(event, { n: 1 }, { sync: true, uid: "u-1" });
    await publishRaw(nats.port, event.subject, "", "not json");
    await events.emit(event, { n: 2 }, { sync: true });
    await until(() => seen.length === 3);
    stop.abort();
    await reading;
    expect(seen.map((s) => s.payload)).toEqual([{ n: 1 }, undefined, { n: 2 }]);
    expect(seen[0]?.headers["Nats-Msg-Id"]).toBe("u-1");
    expect(String(seen[1]?.error)).toMatch(/cannot decode/);
    expect((await nats.jsm.consumers.list(event.streamName).next()).length).toBe(0);
  });

  it("drops the oldest events for a reader that falls behind, and counts them", async () => {
    const event = Event<number>(uniqueName("flood"), { retention: "limits" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const monitor = events.monitor({ maxBuffered: 2 });
    for (let i = 0; i < 5; i++) await events.emit(event, i, { sync: true });
    await until(() => monitor.dropped === 3);
    const first = await monitor.next();
    const second = await monitor.next();
    expect([first.value?.payload, second.value?.payload]).toEqual([3, 4]);
    await monitor.return();
    expect((await monitor.next()).done).toBe(true);
  });
});
