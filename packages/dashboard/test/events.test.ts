import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, type Dashboard, tokenAuth } from "../src/index.js";
import { call, jsonOf } from "./request.js";

const TOKEN = "events-test-token";
let nats: RunningServer;
let nc: NatsConnection;
let dashboard: Dashboard;

/** A dead letter as @x/events writes it (see packages/events/src/dead-letter.ts). */
async function deadLetter(order: string, extra: Record<string, string> = {}): Promise<void> {
  const h = headers();
  h.set("X-Trace", `trace-${order}`);
  h.set("Dead-Letter-Reason", "max-attempts");
  h.set("Dead-Letter-Error", "Error: warehouse closed");
  h.set("Dead-Letter-Event", "order-placed");
  h.set("Dead-Letter-Actor", "ship-order");
  h.set("Dead-Letter-Stream", "order-placed");
  h.set("Dead-Letter-Stream-Seq", "7");
  h.set("Dead-Letter-Attempts", "3");
  h.set("Dead-Letter-Time", "1700000000000");
  for (const [key, value] of Object.entries(extra)) h.set(key, value);
  const body = extra["Dead-Letter-Body-Omitted"] === undefined ? JSON.stringify({ order }) : "";
  await jetstream(nc).publish("dead-letters.order-placed.ship-order", body, { headers: h });
}

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "dead-letters", subjects: ["dead-letters.>"] });
  await jsm.streams.add({ name: "order-placed", subjects: ["order-placed"] });
  await jsm.consumers.add("order-placed", { durable_name: "ship-order", ack_policy: AckPolicy.Explicit });
  await deadLetter("o-1");
  await deadLetter("o-2");
  await deadLetter("o-3", { "Dead-Letter-Body-Omitted": "2000000" });
  dashboard = createDashboard({ nats: nc, probes: { subject: "probe.>" }, actions: tokenAuth(TOKEN) });
});

afterAll(async () => {
  await dashboard.close();
  await nc.close();
  await nats[Symbol.asyncDispose]();
});

interface Letters {
  deadLetters: {
    seq: number;
    event: string;
    actor: string;
    reason: string;
    error: string;
    attempts: number;
    payload: string;
    bodyOmitted: boolean;
  }[];
  total: number;
  cursor: string | null;
}

describe("events over a real nats-server", () => {
  it("lists streams with their consumers' pending and in-flight counts", async () => {
    const { streams } = await jsonOf<{
      streams: { name: string; messages: number; consumers: { name: string; pending: number; inFlight: number }[] }[];
    }>(call(dashboard, "/api/events/streams"));
    expect(streams.map((s) => s.name)).toEqual(["dead-letters", "order-placed"]);
    expect(streams[1]?.consumers).toEqual([{ name: "ship-order", pending: 0, inFlight: 0, redelivered: 0 }]);
  });

  it("pages through the dead letters with their reason, error and payload", async () => {
    const first = await jsonOf<Letters>(call(dashboard, "/api/events/dead-letters?limit=2"));
    expect(first.total).toBe(3);
    expect(first.deadLetters[0]).toMatchObject({
      seq: 1,
      event: "order-placed",
      actor: "ship-order",
      reason: "max-attempts",
      error: "Error: warehouse closed",
      attempts: 3,
      payload: '{"order":"o-1"}',
    });
    const second = await jsonOf<Letters>(call(dashboard, `/api/events/dead-letters?limit=2&cursor=${first.cursor ?? ""}`));
    expect(second.deadLetters.map((d) => [d.seq, d.bodyOmitted])).toEqual([[3, true]]);
    expect(second.cursor).toBeNull();
  });

  it("replays a dead letter on its event's subject with its own headers, then deletes it", async () => {
    const replayed = await jsonOf<{ subject: string; eventSeq: number }>(
      call(dashboard, "/api/events/dead-letters/1/replay", { token: TOKEN }),
    );
    expect(replayed).toEqual({ subject: "order-placed", eventSeq: 1 });
    const jsm = await jetstreamManager(nc);
    const event = await jsm.streams.getMessage("order-placed", { seq: 1 });
    expect(event?.string()).toBe('{"order":"o-1"}');
    expect(event?.header.get("X-Trace")).toBe("trace-o-1");
    expect(event?.header.get("Dead-Letter-Reason")).toBe("");
    const { streams } = await jsonOf<{ streams: { name: string; consumers: { pending: number }[] }[] }>(
      call(dashboard, "/api/events/streams"),
    );
    expect(streams.find((s) => s.name === "order-placed")?.consumers[0]?.pending).toBe(1);
    const left = await jsonOf<Letters>(call(dashboard, "/api/events/dead-letters"));
    expect(left.deadLetters.map((d) => d.seq)).toEqual([2, 3]);
    await jsonOf(call(dashboard, "/api/events/dead-letters/1/replay", { token: TOKEN }), 404);
  });

  it("refuses to replay a dead letter whose body was not kept, and deletes it", async () => {
    const refused = await jsonOf<{ error: { message: string } }>(
      call(dashboard, "/api/events/dead-letters/3/replay", { token: TOKEN }),
      400,
    );
    expect(refused.error.message).toContain("replay it from stream order-placed");
    await jsonOf(call(dashboard, "/api/events/dead-letters/3/delete", { token: TOKEN }));
    await jsonOf(call(dashboard, "/api/events/dead-letters/3/delete", { token: TOKEN }), 404);
    await jsonOf(call(dashboard, "/api/events/dead-letters/0/delete", { token: TOKEN }), 400);
    expect((await jsonOf<Letters>(call(dashboard, "/api/events/dead-letters"))).deadLetters.map((d) => d.seq)).toEqual([2]);
  });

  it("keeps the latest probe message per check from the subject", async () => {
    for (const used of [50, 93]) {
      nc.publish(
        "probe.disk",
        JSON.stringify({ v: 3, time: used, location: { host: "db1" }, event: { name: "disk", vset: { used: { value: used } } } }),
      );
    }
    nc.publish("probe.noise", "not a probe message");
    await nc.flush();
    await expect
      .poll(
        async () =>
          (await jsonOf<{ checks: { values: { value: number }[] }[] }>(call(dashboard, "/api/probes"))).checks[0]?.values[0]?.value,
        { timeout: 15_000 },
      )
      .toBe(93);
  });
});
