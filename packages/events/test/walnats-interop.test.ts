/**
 * Wire compatibility with walnats, against a real nats-server: a raw client writes exactly the
 * bytes and headers walnats writes (`publishRaw`: the header block by hand) and reads what we
 * write the way walnats reads it (a plain JetStream consumer; Python itself checks the formats).
 */
import { execFileSync } from "node:child_process";
import { AckPolicy, jetstream } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { Actor, Actors, CloudEvent, dateSerializer, Event, Events, readCloudEvent, walnatsDateSerializer } from "../src/index.js";
import { publishRaw, sharedNatsServer, uniqueName, until } from "./helpers.js";

const nats = sharedNatsServer();

/** Runs a Python expression over `value` (bound to `v`) and returns what it prints. */
const python = (expression: string, value: string): string =>
  execFileSync("python3", ["-c", `import sys, datetime; v = sys.argv[1]; print(${expression})`, value], { encoding: "utf8" }).trim();

/** The header block walnats' `emit` sends (nats.py writes headers in insertion order). */
const headerBlock = (headers: Record<string, string>): string =>
  `NATS/1.0\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

/** Reads the next message of `stream` as a walnats actor would: a durable pull consumer, explicit acks. */
async function readAsWalnats(stream: string) {
  const durable = uniqueName("walnats-actor");
  await nats.jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(nats.nc).consumers.get(stream, durable);
  const msg = await consumer.next({ expires: 5_000 });
  if (msg === null) throw new Error(`no message on ${stream}`);
  msg.ack();
  const headers: Record<string, string> = {};
  for (const [key, values] of msg.headers ?? []) headers[key] = values[0] ?? "";
  return { data: new TextDecoder().decode(msg.data), headers };
}

describe("walnats -> @x/events", () => {
  it("honours walnats' Walnats-Delay (float epoch seconds): the handler runs after it, as attempt 1", async () => {
    const event = Event<string>(uniqueName("walnats-delay"));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const handled: { at: number; attempt: number; payload: string }[] = [];
    const outcomes: string[] = [];
    const actor = Actor("delayed", event, (payload, ctx) => void handled.push({ at: Date.now(), attempt: ctx.attempt, payload }));
    await using actors = await Actors(actor).connect(nats.nc);
    actors.on("outcome", ({ outcome }) => outcomes.push(outcome));
    await actors.register();
    // walnats: headers[HEADER_DELAY] = f'{now + delay}', payload json.dumps('hello') with compact separators.
    const delayUntil = Date.now() + 1_500;
    await publishRaw(nats.port, event.subject, headerBlock({ "Walnats-Delay": String(delayUntil / 1_000) }), '"hello"');
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
    await until(() => handled.length > 0);
    stop.abort();
    await listening;
    expect(handled).toEqual([{ at: expect.any(Number) as number, attempt: 1, payload: "hello" }]);
    expect(handled[0]?.at).toBeGreaterThanOrEqual(delayUntil - 1);
    expect(outcomes).toEqual(["bounced", "acked"]);
  });

  it('shares an event named with dots and capitals (names: "walnats"): one stream, the same subject', async () => {
    const name = `Orders.${uniqueName("created")}`;
    const event = Event<{ id: number }>(name, { names: "walnats" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    expect((await nats.jsm.streams.info(event.streamName)).config.subjects).toEqual([name]);
    expect(event.streamName).toBe(name.replaceAll(".", "-")); // walnats' stream_name
    const seen: number[] = [];
    await using actors = await Actors(Actor("Audit_Log", event, ({ id }) => void seen.push(id), { names: "walnats" })).connect(nats.nc);
    await actors.register();
    await publishRaw(nats.port, name, headerBlock({ "Nats-Msg-Id": "o-1" }), '{"id":1}');
    await actors.listen({ burst: true, pollDelayMs: 1_000 });
    expect(seen).toEqual([1]);
  });

  it("reads walnats' datetime payloads and ce-time (Python isoformat, naive = UTC)", async () => {
    const event = Event(uniqueName("walnats-date"), { serializer: dateSerializer });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const seen: { payload: Date; time: Date | undefined; source: string | undefined }[] = [];
    const actor = Actor("dates", event, (payload, ctx) => {
      const ce = readCloudEvent(ctx.headers);
      seen.push({ payload, time: ce?.time, source: ce?.source });
    });
    await using actors = await Actors(actor).connect(nats.nc);
    await actors.register();
    // CloudEvent(...).as_headers() then Nats-Msg-Id = ce.id, as walnats' _make_headers writes them.
    const headers = {
      "ce-id": "e-1",
      "ce-source": "billing",
      "ce-type": "tick",
      "ce-specversion": "1.0",
      "ce-time": "2024-01-02T03:04:05.678901+00:00",
      "Nats-Msg-Id": "e-1",
    };
    await publishRaw(nats.port, event.subject, headerBlock(headers), "2024-01-02T03:04:05.678901");
    await actors.listen({ burst: true, pollDelayMs: 1_000 });
    expect(seen).toEqual([
      { payload: new Date("2024-01-02T03:04:05.678Z"), time: new Date("2024-01-02T03:04:05.678Z"), source: "billing" },
    ]);
  });
});

describe("@x/events -> walnats", () => {
  it("writes Walnats-Delay as float epoch seconds next to ours, which Python reads as the same time", async () => {
    const event = Event<string>(uniqueName("our-delay"), { retention: "limits" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const delayUntil = new Date(Date.now() + 60_000);
    await events.emit(event, "later", { delayUntil, sync: true });
    const { data, headers } = await readAsWalnats(event.streamName);
    expect(data).toBe('"later"');
    expect(headers["Walnats-Delay-Until"]).toBe(String(delayUntil.getTime()));
    // What a walnats actor does with it: float(header) - now().
    expect(Number(python("round(float(v) * 1000)", headers["Walnats-Delay"] ?? ""))).toBe(delayUntil.getTime());
  });

  it("writes dates and ce-time that Python's fromisoformat() reads back to the same instant", async () => {
    const event = Event(uniqueName("our-date"), { serializer: walnatsDateSerializer, retention: "limits" });
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    const at = new Date("2024-01-02T03:04:05.678Z");
    await events.emit(event, at, { sync: true, meta: CloudEvent({ id: "c-1", source: "shop", type: "tick", time: at }) });
    const { data, headers } = await readAsWalnats(event.streamName);
    const epochMs = "round(datetime.datetime.fromisoformat(v).timestamp() * 1000)";
    expect(Number(python(epochMs, data))).toBe(at.getTime());
    expect(Number(python(epochMs, headers["ce-time"] ?? ""))).toBe(at.getTime());
    expect(headers["Nats-Msg-Id"]).toBe("c-1");
  });
});

describe("NATS_SERVER", () => {
  it("is the server connect() uses when none is given (walnats' variable)", async () => {
    const before = process.env.NATS_SERVER;
    process.env.NATS_SERVER = nats.url;
    try {
      await using events = await Events(Event("env-server")).connect();
      expect(events.connection.getServer()).toBe(nats.url.replace(/^nats:\/\//, ""));
    } finally {
      if (before === undefined) delete process.env.NATS_SERVER;
      else process.env.NATS_SERVER = before;
    }
  });
});
