import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createHeart, createMonitor, type InvalidHeartbeat, type Transition } from "@x/heartbeat";
import { startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Reads `count` transitions from the iterator. */
async function take(iterator: AsyncIterator<Transition>, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done === true) throw new Error(`iterator ended after ${out.length} transitions`);
    out.push(`${next.value.process}:${next.value.from ?? "new"}>${next.value.to}`);
  }
  return out;
}

describe("Heart -> NATS -> Monitor (real nats-server)", () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let producer: NatsConnection;
  let consumer: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    producer = await connect({ servers: server.url });
    consumer = await connect({ servers: server.url });
  });

  afterAll(async () => {
    await producer.close();
    await consumer.close();
    await server[Symbol.asyncDispose]();
  });

  it("a subscription on heartbeat.> feeds the monitor; malformed messages are reported, not thrown", async () => {
    const monitor = createMonitor();
    const invalid: InvalidHeartbeat[] = [];
    monitor.on("invalid", (event) => invalid.push(event));
    const transitions = monitor.transitions();
    const subscription = consumer.subscribe("heartbeat.>", {
      callback: (_error, message) => {
        monitor.receive(message.subject, message.data);
      },
    });
    await consumer.flush();

    const publisher = {
      publish: ({ subject, payload }: { subject: string; payload: Uint8Array }) => {
        producer.publish(subject, payload);
      },
    };
    const api = createHeart({ process: "shop.api", subjectAsString: true, publisher });
    const mailer = createHeart({ process: "shop.mailer", subjectAsString: true, publisher });

    api.start({ warmupMs: 60_000 });
    api.beat({ periodMs: 60_000 });
    mailer.degraded({ periodMs: 60_000 });
    producer.publish("heartbeat.shop.bad", "beat/soon");
    producer.publish("heartbeat.shop.bad", new Uint8Array([0xff, 0xfe]));
    mailer.beat({ periodMs: 60_000 });
    api.stop();
    await producer.flush();

    const seen = await take(transitions, 5);
    // Per-subject order is kept by NATS; across subjects it is too on one connection.
    expect(seen).toEqual([
      "shop.api:new>starting",
      "shop.api:starting>up",
      "shop.mailer:new>degraded",
      "shop.mailer:degraded>up",
      "shop.api:up>stopped",
    ]);
    expect(invalid.map((e) => e.reason)).toEqual([
      'payload "beat/soon": seconds are not a decimal number',
      expect.stringContaining("is not start/<seconds>") as unknown,
    ]);
    expect(monitor.stats()).toMatchObject({ received: 7, invalid: 2, tracked: 2 });
    expect(monitor.get("shop.mailer")).toMatchObject({ state: "up", lastHeartbeat: { kind: "beat", seconds: 60 } });
    subscription.unsubscribe();
    await monitor.close();
  });
});
