import { AckPolicy, jetstream } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Acker } from "../src/acker.js";
import { JetStreamDelivery } from "../src/delivery.js";
import { AckTimeoutError } from "../src/errors.js";
import { sharedNatsServer, uniqueName } from "./helpers.js";

const nats = sharedNatsServer();
const ACK = new TextEncoder().encode("+ACK");

afterEach(() => {
  vi.useRealTimers();
});

describe("Acker: confirmed acknowledgements (double acks)", () => {
  it("resolves ack, nak and term once the server has processed them", async () => {
    const name = uniqueName("acker");
    await nats.jsm.streams.add({ name, subjects: [name] });
    await nats.jsm.consumers.add(name, { durable_name: "c", ack_policy: AckPolicy.Explicit });
    for (let i = 0; i < 3; i++) await jetstream(nats.nc).publish(name, String(i));
    const acker = new Acker(nats.nc, 5_000);
    const messages = await (await jetstream(nats.nc).consumers.get(name, "c")).fetch({ max_messages: 3, expires: 1_000 });
    const deliveries: JetStreamDelivery[] = [];
    for await (const msg of messages) deliveries.push(new JetStreamDelivery(msg, acker));
    expect(deliveries).toHaveLength(3);
    const [first, second, third] = deliveries;
    expect(await Promise.all([first?.ack(), second?.term(), third?.nak(60_000)])).toEqual([undefined, undefined, undefined]);
    // Confirmed means processed: the server's view already reflects all three.
    const info = await nats.jsm.consumers.info(name, "c");
    expect(info.ack_floor.stream_seq).toBe(2); // 1 acked, 2 terminated
    expect(info.num_ack_pending).toBe(1); // 3, handed back: it waits out its nak delay
    expect(info.num_redelivered).toBe(0);
    expect(acker.pending).toBe(0);
    acker.close();
  });

  it("publishes the acknowledgements of one run of code together, before the next event-loop turn", async () => {
    const acker = new Acker(nats.nc, 1_000);
    const sent = (): number => nats.nc.stats().outMsgs;
    const before = sent();
    const sending = [1, 2, 3].map(() => acker.send(uniqueName("nobody.listens.now"), ACK));
    expect(sent() - before).toBe(0); // queued
    await new Promise<void>((resolve) => {
      process.nextTick(resolve);
    });
    expect(sent() - before).toBe(3);
    acker.close();
    expect(await Promise.all(sending)).toEqual([expect.any(AckTimeoutError), expect.any(AckTimeoutError), expect.any(AckTimeoutError)]);
  });

  it("fails an acknowledgement the server never answers with AckTimeoutError (fake clock)", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date", "performance"] });
    const acker = new Acker(nats.nc, 1_000);
    let outcome: unknown = "pending";
    const sending = acker.send(uniqueName("nobody.listens.here"), ACK).then((failure) => failure ?? "confirmed");
    void sending.then((value) => (outcome = value));
    await new Promise((resolve) => setImmediate(resolve)); // published
    vi.advanceTimersByTime(999);
    await Promise.resolve();
    expect(outcome).toBe("pending");
    vi.advanceTimersByTime(200); // the next sweep after the deadline
    expect(await sending).toBeInstanceOf(AckTimeoutError);
    expect(acker.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // the sweeper stopped with nothing left to watch
    acker.close();
  });

  it("close() fails what is still pending, stops its timers, and can be called twice", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const acker = new Acker(nats.nc, 60_000);
    const sending = acker.send(uniqueName("nobody.listens.either"), ACK);
    acker.close();
    acker.close();
    expect(await sending).toBeInstanceOf(AckTimeoutError);
    expect(acker.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("JetStreamDelivery with the real client", () => {
  it("reads headers from the raw block the client holds, without the client's slower parser", async () => {
    const name = uniqueName("raw-headers");
    await nats.jsm.streams.add({ name, subjects: [name] });
    await nats.jsm.consumers.add(name, { durable_name: "c", ack_policy: AckPolicy.Explicit });
    const hdrs = natsHeaders();
    hdrs.set("hello", "world");
    await jetstream(nats.nc).publish(name, "{}", { headers: hdrs, msgID: "m-1" });
    const messages = await (await jetstream(nats.nc).consumers.get(name, "c")).fetch({ max_messages: 1, expires: 1_000 });
    let seen = 0;
    for await (const msg of messages) {
      seen++;
      Object.defineProperty(msg, "headers", {
        get() {
          throw new Error("the client's parser was used");
        },
      });
      const delivery = new JetStreamDelivery(msg, new Acker(nats.nc, 1_000));
      expect(delivery.malformedHeaders).toBeUndefined();
      expect(delivery.headers).toEqual({ hello: "world", "Nats-Msg-Id": "m-1" });
      expect([delivery.deliveryCount, delivery.streamSeq]).toEqual([1, 1]);
    }
    expect(seen).toBe(1);
  });
});
