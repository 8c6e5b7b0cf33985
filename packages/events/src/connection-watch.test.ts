import type { NatsConnection, Status } from "@nats-io/transport-node";
import { silentLogger } from "@x/core";
import { describe, expect, it } from "vitest";
import { type ConnectionStatus, ConnectionWatch } from "./connection-watch.js";
import { ConnectionLostError } from "./errors.js";

/** A connection whose status stream is silent and whose close the test triggers. */
function fakeConnection(): { nc: Pick<NatsConnection, "status" | "closed" | "isClosed">; close(error?: Error): void } {
  let close!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => (close = resolve));
  return {
    nc: {
      status: () =>
        ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Status>>(() => undefined) }) }) as ReturnType<
          NatsConnection["status"]
        >,
      closed: () => closed,
      isClosed: () => false,
    },
    close: (error) => {
      close(error);
    },
  };
}

describe("ConnectionWatch", () => {
  it("reports disconnects and reconnects, and untilConnected() resolves on the reconnect", async () => {
    const { nc } = fakeConnection();
    const statuses: ConnectionStatus[] = [];
    const watch = new ConnectionWatch(nc, silentLogger, (s) => statuses.push(s));
    expect(watch.connected).toBe(true);
    watch.handle({ type: "staleConnection" });
    watch.handle({ type: "disconnect", server: "s" });
    expect(watch.connected).toBe(false);
    let up = false;
    void watch.untilConnected().then(() => (up = true));
    await Promise.resolve();
    expect(up).toBe(false);
    watch.handle({ type: "reconnect", server: "s" });
    await Promise.resolve();
    expect(up).toBe(true);
    expect(statuses.map((s) => s.type)).toEqual(["stale", "disconnected", "reconnected"]);
  });

  it("turns a close it did not cause into a ConnectionLostError, reported once, and wakes the waiters", async () => {
    const fake = fakeConnection();
    const { nc } = fake;
    const statuses: ConnectionStatus[] = [];
    const watch = new ConnectionWatch(nc, silentLogger, (s) => statuses.push(s));
    watch.handle({ type: "disconnect", server: "s" });
    const waiting = watch.untilConnected();
    const lost: ConnectionLostError[] = [];
    watch.onLost((error) => lost.push(error));
    fake.close(new Error("too many reconnects"));
    await waiting;
    expect(watch.lost).toBeInstanceOf(ConnectionLostError);
    expect(lost).toHaveLength(1);
    expect(statuses.at(-1)).toMatchObject({ type: "closed", error: watch.lost });
  });

  it("does not report our own close as a loss", async () => {
    const fake = fakeConnection();
    const { nc } = fake;
    const statuses: ConnectionStatus[] = [];
    const watch = new ConnectionWatch(nc, silentLogger, (s) => statuses.push(s));
    watch.markClosing();
    fake.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(watch.lost).toBeUndefined();
    expect(statuses).toEqual([]);
  });
});
