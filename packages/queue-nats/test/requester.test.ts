import { connect, TimeoutError as NatsTimeoutError, NoRespondersError } from "@nats-io/transport-node";
import { startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Requester } from "../src/requester.js";

describe("Requester: the adapter's own request/reply", () => {
  it("answers each request with its own reply, and fails the way the client's request() does", async () => {
    await using server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const echo = nc.subscribe("echo", {
      callback: (_error, msg) => {
        msg.respond(`re: ${msg.string()}`);
      },
    });
    nc.subscribe("silent", { callback: () => undefined });
    const requester = new Requester(nc, 300);
    const replies = await Promise.all(["a", "b", "c"].map((text) => requester.request("echo", text)));
    expect(replies.map((msg) => msg.string())).toEqual(["re: a", "re: b", "re: c"]);
    await expect(requester.request("nobody.listens", "x")).rejects.toBeInstanceOf(NoRespondersError);
    await expect(requester.request("silent", "x")).rejects.toBeInstanceOf(NatsTimeoutError);
    // close() fails what is pending at once and stops listening, on a connection that stays open.
    const pending = requester.request("silent", "x");
    requester.close();
    await expect(pending).rejects.toThrow();
    expect(nc.isClosed()).toBe(false);
    echo.unsubscribe();
    await nc.close();
  });
});
