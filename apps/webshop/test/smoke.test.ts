import { Events } from "@x/events";
import { describe, expect, it } from "vitest";
import { PARCEL_SENT, type ParcelSent, parcelSent, webshopActors } from "../src/index.js";
import { startNatsServer } from "./nats-server.js";
import { runApp } from "./run-app.js";

const parcel = (n: number): ParcelSent => ({
  orderId: `o-${n}`,
  parcelId: `p-${n}`,
  carrier: "UPS",
  customer: { name: `c${n}`, email: `c${n}@example.com`, phone: `+1555000${n}` },
});

describe("webshop: the parcel-sent story against a real NATS server", () => {
  it("one event reaches both actors; a repeated emit is dropped; every customer gets one email and one SMS", async () => {
    await using server = await startNatsServer();
    const emails: string[] = [];
    const texts: string[] = [];
    const stop = new AbortController();
    const check = (): void => {
      if (emails.length === 3 && texts.length === 3) stop.abort();
    };
    const mailer = {
      send: async (m: { to: string; key: string }) => {
        emails.push(`${m.to} ${m.key}`);
        check();
      },
    };
    const sms = {
      send: async (m: { to: string; key: string }) => {
        texts.push(`${m.to} ${m.key}`);
        check();
      },
    };
    await using actors = await webshopActors(mailer, sms).connect({ servers: server.url });
    await using events = await Events(PARCEL_SENT).connect({ servers: server.url });
    await events.register();
    await actors.register();
    // The shop retries parcel 2 (same uid) before anyone listens: the stream drops the copy.
    const results = [];
    for (const n of [1, 2, 3, 2]) results.push(await parcelSent(events, parcel(n)));
    expect(results.map((r) => [r.acknowledged, r.duplicate])).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [true, true],
    ]);
    await actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
    // Nothing else waits for either actor (no copy of parcel 2): a fresh instance finds nothing.
    const late: string[] = [];
    const record = { send: async (m: { to: string }) => void late.push(m.to) };
    await using again = await webshopActors(record, record).connect({ servers: server.url });
    await again.listen({ burst: true, batch: 10, pollDelayMs: 1_000 });
    expect(late).toEqual([]);
    expect(emails.sort()).toEqual([
      "c1@example.com parcel-sent:p-1:email",
      "c2@example.com parcel-sent:p-2:email",
      "c3@example.com parcel-sent:p-3:email",
    ]);
    expect(texts.sort()).toEqual(["+15550001 parcel-sent:p-1:sms", "+15550002 parcel-sent:p-2:sms", "+15550003 parcel-sent:p-3:sms"]);
  });

  it("`npm start` (src/main.ts) tells every customer by email and SMS", async () => {
    await using server = await startNatsServer();
    const result = await runApp([], { ...process.env, NATS_URL: server.url });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n").sort();
    expect(lines).toEqual([
      "email to ada@example.com: Your order o-1 is on its way",
      "email to grace@example.com: Your order o-2 is on its way",
      "email to linus@example.com: Your order o-3 is on its way",
      "sms to +44000000000: Parcel p-1 is on its way with DHL.",
      "sms to +44000000001: Parcel p-2 is on its way with DHL.",
      "sms to +44000000002: Parcel p-3 is on its way with DHL.",
    ]);
  });
});
