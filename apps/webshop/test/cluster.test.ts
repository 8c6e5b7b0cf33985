import { Events } from "@x/events";
import { describe, expect, it } from "vitest";
import { type ParcelSent, parcelSent, parcelSentEvent, webshopActors, webshopSettings } from "../src/index.js";
import { startNatsCluster } from "./nats-cluster.js";
import { runApp } from "./run-app.js";

const parcel = (n: number): ParcelSent => ({
  orderId: `o-${n}`,
  parcelId: `p-${n}`,
  carrier: "UPS",
  customer: { name: `c${n}`, email: `c${n}@example.com`, phone: `+1555000${n}` },
});

describe("webshop on a three-node NATS cluster (NATS_URL lists the nodes, WEBSHOP_REPLICAS=3)", () => {
  it("`npm start` tells every customer, with each stream kept on three nodes; the shop goes on when the stream's leader dies", async () => {
    await using cluster = await startNatsCluster(3);
    const env = { ...process.env, NATS_URL: cluster.natsUrl, WEBSHOP_REPLICAS: "3" };
    const result = await runApp([], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(6);
    const { leader, replicas } = await cluster.stream("parcel-sent");
    expect(replicas).toBe(3);
    expect((await cluster.stream("dead-letters")).replicas).toBe(3);

    const { servers } = webshopSettings(env);
    const emails: string[] = [];
    const stop = new AbortController();
    const mailer = {
      send: async (m: { to: string }) => {
        emails.push(m.to);
        if (emails.length === 2) stop.abort();
      },
    };
    const sms = { send: async () => undefined };
    await using actors = await webshopActors(mailer, sms).connect({ servers: [...servers], deadLetters: { replicas: 3 } });
    await using events = await Events(parcelSentEvent({ replicas: 3 })).connect({ servers: [...servers] });
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
    // kill -9 of the node that leads the stream while the shop and its actors run: the other two
    // keep the stream, and the clients, given every node, move to one of them.
    const victim = cluster.nodes.find((node) => node.name === leader);
    if (victim === undefined) throw new Error(`no node named ${leader}`);
    await victim.kill();
    // The survivors elect a new leader within seconds; until then a send times out and the shop
    // sends again with the same uid, which the stream would drop if the first one was stored.
    let retries = 0;
    for (const n of [4, 5]) {
      for (;;) {
        const sent = await parcelSent(events, parcel(n)).catch(() => undefined);
        if (sent !== undefined) {
          expect(sent.acknowledged).toBe(true);
          break;
        }
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(retries).toBeLessThan(200);
    await listening;
    expect(emails.sort()).toEqual(["c4@example.com", "c5@example.com"]);
    const after = await cluster.stream("parcel-sent");
    expect(after.leader).not.toBe(leader);
  });
});
