/** walnats' own actor tests (tests/test_actors/test_actor.py) that apply, ported. */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Actor, Actors, Event, Events, withResponse } from "../src/index.js";
import { sharedNatsServer, uniqueName } from "./helpers.js";

const nats = sharedNatsServer();

describe("walnats' actor tests", () => {
  it("test_many_messages_one_event: a burst of 20 with batch 20 drains with maxJobs 16, never more at once", async () => {
    const event = Event<string>(uniqueName("many"));
    const received: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const actor = Actor("many", event, async (message) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await sleep(100);
      running--;
      received.push(message);
    });
    await using events = await Events(event).connect(nats.nc);
    await using actors = await Actors(actor).connect(nats.nc);
    await events.register();
    await actors.register();
    const messages = Array.from({ length: 20 }, (_, i) => `msg${i}`);
    await Promise.all(messages.map((m) => events.emit(event, m, { sync: true })));
    await actors.listen({ burst: true, batch: messages.length, maxJobs: 16, pollDelayMs: 1_000 });
    expect(new Set(received)).toEqual(new Set(messages));
    expect(received).toHaveLength(20);
    expect(mostAtOnce).toBe(16);
  });

  it("test_with_response_but_regular_emit: an actor of the response copy handles a plain emit, answering nobody", async () => {
    const event = Event<string>(uniqueName("plain"));
    const asked = withResponse<string, string, number>(event);
    const received: string[] = [];
    await using events = await Events(event).connect(nats.nc);
    await using actors = await Actors(Actor("answers", asked, (message) => received.push(message))).connect(nats.nc);
    await events.register();
    await actors.register();
    const outcomes: string[] = [];
    actors.on("outcome", ({ outcome }) => outcomes.push(outcome));
    await events.emit(event, "hi", { sync: true });
    await actors.listen({ burst: true, pollDelayMs: 1_000 });
    expect(received).toEqual(["hi"]);
    expect(outcomes).toEqual(["acked"]);
  });
});
