import type { Msg, MsgCallback, NatsConnection } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EmitConfirmations, parsePubAck } from "./confirmations.js";
import type { UnconfirmedEmit } from "./errors.js";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The part of a connection the confirmations use: one wildcard subscription. */
function fakeConnection(): { nc: NatsConnection; reply: (subject: string, data: string, code?: number) => void } {
  let callback: MsgCallback<Msg> | undefined;
  const nc = {
    subscribe: (_subject: string, options: { callback: MsgCallback<Msg> }) => {
      callback = options.callback;
      return { unsubscribe: () => undefined };
    },
    isClosed: () => false,
  } as unknown as NatsConnection;
  return {
    nc,
    reply(subject, data, code) {
      const headers = code === undefined ? undefined : { code };
      void callback?.(null, { subject, data: encode(data), headers } as unknown as Msg);
    },
  };
}

describe("parsePubAck", () => {
  it("reads a stored, a duplicate, a refused and a no-responders answer", () => {
    expect(parsePubAck(encode('{"stream":"s","seq":7}'))).toEqual({ ok: true, seq: 7, duplicate: false });
    expect(parsePubAck(encode('{"stream":"s","seq":7,"duplicate":true}'))).toEqual({ ok: true, seq: 7, duplicate: true });
    expect(parsePubAck(encode('{"error":{"code":400,"description":"maximum message size exceeded"}}'))).toEqual({
      ok: false,
      reason: "maximum message size exceeded",
    });
    expect(parsePubAck(new Uint8Array(), 503)).toMatchObject({ ok: false, reason: expect.stringContaining("503") as string });
    expect(parsePubAck(encode("nonsense"))).toMatchObject({ ok: false });
    expect(parsePubAck(encode('{"seq":-1}'))).toMatchObject({ ok: false });
  });
});

describe("EmitConfirmations", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts confirmed emits, and reports one that stays unanswered past its timeout exactly once", async () => {
    const { nc, reply } = fakeConnection();
    const reported: UnconfirmedEmit[] = [];
    const confirmations = new EmitConfirmations(nc, (emit) => reported.push(emit));
    const first = confirmations.expect("orders", "o-1", 1_000);
    confirmations.expect("orders", "o-2", 1_000);
    reply(first, '{"stream":"orders","seq":1}');
    expect(confirmations.counts).toEqual({ pending: 1, confirmed: 1, unconfirmed: 0 });
    const settled = confirmations.settled();
    await vi.advanceTimersByTimeAsync(999);
    expect(reported).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    await settled;
    expect(reported).toEqual([{ event: "orders", uid: "o-2", reason: expect.stringContaining("timeout") as string }]);
    expect(confirmations.counts).toEqual({ pending: 0, confirmed: 1, unconfirmed: 1 });
    expect(confirmations.takeFailures()).toMatchObject({ count: 1 });
    expect(confirmations.takeFailures()).toEqual({ count: 0, emits: [] });
  });

  it("settled() waits only for emits made before it, and a refusal or a failed send counts as unconfirmed", async () => {
    const { nc, reply } = fakeConnection();
    const confirmations = new EmitConfirmations(nc);
    const a = confirmations.expect("e", undefined, 5_000);
    const waiting = confirmations.settled();
    const b = confirmations.expect("e", undefined, 5_000);
    let done = false;
    void waiting.then(() => (done = true));
    reply(a, "", 503);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    confirmations.fail(b, "socket closed");
    expect(confirmations.counts).toEqual({ pending: 0, confirmed: 0, unconfirmed: 2 });
  });

  it("close() fails what is pending", () => {
    const { nc } = fakeConnection();
    const reported: UnconfirmedEmit[] = [];
    const confirmations = new EmitConfirmations(nc, (emit) => reported.push(emit));
    confirmations.expect("e", "u", 5_000);
    confirmations.close();
    expect(reported).toHaveLength(1);
    expect(confirmations.counts.pending).toBe(0);
  });
});
