import { Actor, Actors, Event, Events } from "@x/events";
import { startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, collect, registerSdk, type TestSdk } from "./sdk.js";

const PAID = Event<{ order: string }>("order-paid");

describe("events: spans and instruments with an SDK", () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let sdk: TestSdk;
  beforeAll(async () => {
    nats = await startNatsServer();
    sdk = registerSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
    await nats[Symbol.asyncDispose]();
  });

  it("emit and each actor's run are one trace; handled, retried and dead-lettered are counted", async () => {
    const fail = (): never => {
      throw new Error("card declined");
    };
    const receipt = Actor("send-receipt", PAID, () => undefined);
    const flaky = Actor("book-revenue", PAID, fail, { maxAttempts: 2, retryDelaysMs: [60_000] });
    const broken = Actor("notify-crm", PAID, fail, { maxAttempts: 1 });
    await using events = await Events(PAID).connect({ servers: nats.url });
    await using actors = await Actors(receipt, flaky, broken).connect({ servers: nats.url });
    await events.register();
    await actors.register();
    const lag = async (): Promise<Record<string, unknown>> =>
      Object.fromEntries(
        ((await collect(sdk)).get("x.event.consumer.lag") ?? []).map(({ value, attributes }) => [
          String(attributes["messaging.consumer.group.name"]),
          value,
        ]),
      );

    const checkout = await api.trace.getTracer("telemetry-e2e").startActiveSpan("checkout", async (span) => {
      await events.emit(PAID, { order: "o-1" }, { sync: true, uid: "paid-o-1" });
      span.end();
      return span.spanContext();
    });
    expect(await lag()).toEqual({ "send-receipt": 1, "book-revenue": 1, "notify-crm": 1 });
    await actors.listen({ burst: true });
    // Lag counts events not yet delivered: one waiting for its retry was delivered, so it is not lag.
    expect(await lag()).toEqual({ "send-receipt": 0, "book-revenue": 0, "notify-crm": 0 });

    const spans = sdk.spans();
    const send = spans.find((span) => span.name === "send order-paid");
    expect(send?.parentSpanId).toBe(checkout.spanId);
    expect(send?.attributes).toMatchObject({
      "messaging.system": "nats",
      "messaging.message.id": "paid-o-1",
      "messaging.operation.name": "emit",
    });
    const runs = spans.filter((span) => span.name === "process order-paid");
    expect(
      runs.map((span) => [span.attributes["messaging.consumer.group.name"], span.parentSpanId, span.traceId, span.status]).sort(),
    ).toEqual([
      ["book-revenue", send?.spanId, checkout.traceId, 2],
      ["notify-crm", send?.spanId, checkout.traceId, 2],
      ["send-receipt", send?.spanId, checkout.traceId, 0],
    ]);

    const metrics = await collect(sdk);
    const byActor = (name: string) =>
      Object.fromEntries(
        (metrics.get(name) ?? []).map(({ value, attributes }) => [String(attributes["messaging.consumer.group.name"]), value]),
      );
    expect(metrics.get("x.events.emitted")).toEqual([
      { value: 1, attributes: { "messaging.system": "nats", "messaging.destination.name": "order-paid" } },
    ]);
    expect(byActor("x.events.handled")).toEqual({ "send-receipt": 1 });
    expect(byActor("x.events.retried")).toEqual({ "book-revenue": 1 });
    expect(byActor("x.events.dead_lettered")).toEqual({ "notify-crm": 1 });
    expect(Object.keys(byActor("x.event.handler.duration")).sort()).toEqual(["book-revenue", "notify-crm", "send-receipt"]);
  });
});
