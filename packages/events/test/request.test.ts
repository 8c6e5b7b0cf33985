/** Request/response (walnats' `with_response` and `Walnats-Reply`) against a real nats-server. */
import { AckPolicy, jetstream } from "@nats-io/jetstream";
import { createInbox } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Actor,
  Actors,
  DuplicateRequestError,
  Event,
  Events,
  RequestFailedError,
  RequestTimeoutError,
  readDeadLetters,
  withResponse,
} from "../src/index.js";
import { publishRaw, sharedNatsServer, uniqueName, until } from "./helpers.js";

const nats = sharedNatsServer();

const PRICE = z.object({ sku: z.string() });
const QUOTE = z.object({ sku: z.string(), cents: z.number().int() });

/** A request event, its emitter and (when a handler is given) its actor, listening until disposed. */
async function setup(handler?: (sku: string, attempt: number) => number, actorOptions: { maxAttempts?: number } = {}) {
  const event = withResponse(Event(uniqueName("price-asked"), { schema: PRICE }), { schema: QUOTE });
  const events = await Events(event).connect(nats.nc);
  await events.register();
  const stop = new AbortController();
  let listening: Promise<void> = Promise.resolve();
  let actors: Awaited<ReturnType<ReturnType<typeof Actors>["connect"]>> | undefined;
  if (handler !== undefined) {
    const actor = Actor("pricer", event, ({ sku }, ctx) => ({ sku, cents: handler(sku, ctx.attempt) }), {
      retryDelaysMs: [50],
      ...actorOptions,
    });
    actors = await Actors(actor).connect(nats.nc);
    await actors.register();
    listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
  }
  return {
    event,
    events,
    async [Symbol.asyncDispose]() {
      stop.abort();
      await listening;
      await actors?.close();
      await events.close();
    },
  };
}

describe("request()", () => {
  it("resolves with the actor's typed response", async () => {
    await using t = await setup((sku) => sku.length * 100);
    const quote = await t.events.request(t.event, { sku: "abc" }, { timeoutMs: 10_000 });
    expect(quote).toEqual({ sku: "abc", cents: 300 });
  });

  it("gets the response of a retried event: only a successful attempt answers", async () => {
    await using t = await setup((_sku, attempt) => {
      if (attempt === 1) throw new Error("price service down");
      return attempt;
    });
    expect(await t.events.request(t.event, { sku: "x" }, { timeoutMs: 10_000 })).toEqual({ sku: "x", cents: 2 });
  });

  it("rejects with RequestFailedError at once when the actor dead-letters the event", async () => {
    await using t = await setup(
      () => {
        throw new Error("no such sku");
      },
      { maxAttempts: 1 },
    );
    const failure = await t.events.request(t.event, { sku: "x" }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RequestFailedError);
    expect(failure).toMatchObject({ code: "ERR_X_EVENTS_REQUEST_FAILED", reason: "max-attempts" });
    expect((failure as Error).message).toMatch(/no such sku/);
    expect((await readDeadLetters(nats.nc, { limit: 1_000 })).some((l) => l.event === t.event.name)).toBe(true);
  });

  it("fails the attempt when the result does not fit the response schema", async () => {
    await using t = await setup(() => 1.5, { maxAttempts: 1 }); // cents must be an integer
    await expect(t.events.request(t.event, { sku: "x" }, { timeoutMs: 60_000 })).rejects.toThrow(/invalid payload/);
  });

  it("rejects a duplicate uid with DuplicateRequestError: the stream did not store it again", async () => {
    await using t = await setup(() => 7);
    expect(await t.events.request(t.event, { sku: "a" }, { uid: "q-1", timeoutMs: 10_000 })).toEqual({ sku: "a", cents: 7 });
    await expect(t.events.request(t.event, { sku: "a" }, { uid: "q-1", timeoutMs: 10_000 })).rejects.toBeInstanceOf(DuplicateRequestError);
  });

  it("rejects with RequestTimeoutError when no actor answers", async () => {
    const event = withResponse(Event<string>(uniqueName("unanswered"), { retention: "limits" }));
    await using events = await Events(event).connect(nats.nc);
    await events.register();
    await expect(events.request(event, "hello", { timeoutMs: 200 })).rejects.toMatchObject({
      code: "ERR_X_EVENTS_REQUEST_TIMEOUT",
      timeoutMs: 200,
    });
    await expect(events.request(event, "hello", { timeoutMs: 200 })).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it("types the handler's result by the response schema", () => {
    const event = withResponse(Event("typed", { schema: PRICE }), { schema: QUOTE });
    // @ts-expect-error a response must be a QUOTE
    Actor("wrong", event, () => "not a quote");
    expect(Actor("right", event, ({ sku }) => ({ sku, cents: 1 })).name).toBe("right");
  });
});

describe("request/response with walnats", () => {
  it("answers a walnats requester (Walnats-Reply) with the response and the event's headers", async () => {
    await using t = await setup((sku) => sku.length);
    const inbox = createInbox();
    const sub = nats.nc.subscribe(inbox, { max: 1 });
    // walnats' request(): the payload and Walnats-Reply (and Walnats-Trace when given).
    await publishRaw(nats.port, t.event.subject, `NATS/1.0\r\nWalnats-Trace: t-9\r\nWalnats-Reply: ${inbox}\r\n\r\n`, '{"sku":"abcd"}');
    let reply: { data: string; trace: string | undefined } | undefined;
    for await (const msg of sub) reply = { data: msg.string(), trace: msg.headers?.get("Walnats-Trace") };
    expect(reply).toEqual({ data: '{"sku":"abcd","cents":4}', trace: "t-9" });
  });

  it("gets the response of a walnats actor, which answers on Walnats-Reply after its ack", async () => {
    await using t = await setup();
    const durable = uniqueName("walnats-pricer");
    await nats.jsm.consumers.add(t.event.streamName, { durable_name: durable, ack_policy: AckPolicy.Explicit });
    const consumer = await jetstream(nats.nc).consumers.get(t.event.streamName, durable);
    const answered: string[] = [];
    const walnatsActor = (async () => {
      const msg = await consumer.next({ expires: 10_000 });
      if (msg === null) return;
      msg.ack();
      const replyTo = msg.headers?.get("Walnats-Reply") ?? "";
      answered.push(replyTo);
      // walnats: msg._client.publish(reply, encode_response(result), headers=msg.headers)
      nats.nc.publish(replyTo, JSON.stringify({ sku: "py", cents: 42 }), msg.headers === undefined ? {} : { headers: msg.headers });
    })();
    const quote = await t.events.request(t.event, { sku: "py" }, { timeoutMs: 10_000 });
    await walnatsActor;
    expect(quote).toEqual({ sku: "py", cents: 42 });
    expect(answered[0]).toMatch(/^_INBOX\./);
    await until(() => answered.length === 1);
  });
});
