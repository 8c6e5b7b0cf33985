import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createChecks, createMessage, functionCheck, type ProbeMessage, publisherOutput, runProbe } from "../src/index.js";

describe("publisherOutput with a NATS connection (real nats-server)", () => {
  it("delivers probe messages to a subscriber, one JSON document per NATS message", async () => {
    await using server = await startNatsServer({ jetstream: false });
    const nc = await connect({ servers: server.url });
    const received: ProbeMessage[] = [];
    const subscription = nc.subscribe("probe.>", {
      callback: (_error, msg) => {
        received.push(msg.json<ProbeMessage>());
      },
    });
    await nc.flush();

    const output = publisherOutput({
      publisher: {
        publish: ({ subject, payload }) => {
          nc.publish(subject, payload);
        },
      },
      subject: (m) => `probe.${m.event.name}`,
    });
    let n = 0;
    const checks = createChecks([
      functionCheck(() => createMessage({ aspect: "counter", value: ++n, location: { host: "h" } }), { intervalMs: 10 }),
    ]);
    const stop = new AbortController();
    const running = runProbe({ checks, output, signal: stop.signal });
    while (received.length < 3) {
      await nc.flush();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop.abort();
    await running;
    await checks.close();
    await output.flush();
    await output.close();
    subscription.unsubscribe();
    await nc.close();

    expect(received.slice(0, 3).map((m) => [m.event.name, m.location, m.event.vset?.value?.value])).toEqual([
      ["counter", { host: "h" }, 1],
      ["counter", { host: "h" }, 2],
      ["counter", { host: "h" }, 3],
    ]);
  });
});
