import type { JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { describe, expect, it, vi } from "vitest";
import type { Acker } from "./acker.js";
import { JetStreamDelivery } from "./delivery.js";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** An Acker that records what it was asked to send. */
function recordingAcker(): { acker: Acker; sent: [string, string][] } {
  const sent: [string, string][] = [];
  const acker = {
    send: (subject: string, payload: Uint8Array) => {
      sent.push([subject, text(payload)]);
      return Promise.resolve(undefined);
    },
  } as unknown as Acker;
  return { acker, sent };
}

/** The parts of a client message a delivery reads. */
function message(reply: string, options: { headers?: Record<string, string>; badHeaders?: boolean; working?: () => void } = {}): JsMsg {
  const hdrs = options.headers === undefined ? undefined : natsHeaders();
  for (const [key, value] of Object.entries(options.headers ?? {})) hdrs?.set(key, value);
  return {
    reply,
    data: new TextEncoder().encode("{}"),
    get headers() {
      if (options.badHeaders === true) throw new Error("'header' ' ' is not a valid character in a header name");
      return hdrs;
    },
    working: options.working ?? (() => undefined),
  } as unknown as JsMsg;
}

describe("JetStreamDelivery", () => {
  it("reads the delivery count, stream sequence and stored time from an ack subject (both formats)", () => {
    const { acker } = recordingAcker();
    const old = new JetStreamDelivery(message("$JS.ACK.orders.worker.3.42.17.1700000000123456789.5"), acker);
    expect([old.deliveryCount, old.streamSeq, old.storedAt]).toEqual([3, 42, 1_700_000_000_123]);
    const withDomain = new JetStreamDelivery(message("$JS.ACK.hub.ACCHASH.orders.worker.2.7.9.1700000000999000000.0.token"), acker);
    expect([withDomain.deliveryCount, withDomain.streamSeq, withDomain.storedAt]).toEqual([2, 7, 1_700_000_000_999]);
  });

  it("refuses a message that is not a JetStream delivery", () => {
    expect(() => new JetStreamDelivery(message("_INBOX.abc"), recordingAcker().acker)).toThrow(/not a JetStream delivery/);
  });

  it("sends ack, nak (with the delay in nanoseconds) and term to the ack subject; pulses through the client", async () => {
    const { acker, sent } = recordingAcker();
    const reply = "$JS.ACK.orders.worker.1.1.1.1700000000000000000.0";
    const working = vi.fn();
    const delivery = new JetStreamDelivery(message(reply, { working }), acker);
    await delivery.ack();
    await delivery.nak(1_500);
    await delivery.nak(0);
    await delivery.term();
    delivery.working();
    expect(sent).toEqual([
      [reply, "+ACK"],
      [reply, '-NAK {"delay":1500000000}'],
      [reply, "-NAK"],
      [reply, "+TERM"],
    ]);
    expect(working).toHaveBeenCalledTimes(1);
  });

  it("gives the first value of each header, and no headers as an empty record", () => {
    const { acker } = recordingAcker();
    const reply = "$JS.ACK.orders.worker.1.1.1.1700000000000000000.0";
    expect(new JetStreamDelivery(message(reply, { headers: { "Nats-Msg-Id": "u1", hello: "world" } }), acker).headers).toEqual({
      "Nats-Msg-Id": "u1",
      hello: "world",
    });
    const plain = new JetStreamDelivery(message(reply), acker);
    expect(plain.headers).toEqual({});
    expect(plain.malformedHeaders).toBeUndefined();
  });

  it("reports headers the client cannot parse instead of throwing (a foreign publisher's bad header name)", () => {
    const delivery = new JetStreamDelivery(
      message("$JS.ACK.orders.worker.1.1.1.1700000000000000000.0", { badHeaders: true }),
      recordingAcker().acker,
    );
    expect(delivery.headers).toEqual({});
    expect(delivery.malformedHeaders).toMatch(/not a valid character in a header name/);
  });
});
