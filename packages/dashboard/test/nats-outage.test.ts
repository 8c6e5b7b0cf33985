import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../src/index.js";
import { call, jsonOf } from "./request.js";

let nats: RunningServer;
let nc: NatsConnection;
let dashboard: Dashboard;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  dashboard = createDashboard({ nats: nc });
});

afterAll(async () => {
  await dashboard.close();
  await nc.close();
  await nats[Symbol.asyncDispose]();
});

describe("a NATS server that goes away", () => {
  it("answers 503 naming NATS while it is down, and serves again once it is back", async () => {
    await jsonOf(call(dashboard, "/api/events/streams"));
    await nats.kill();
    const down = await jsonOf<{ error: { code: string; message: string } }>(call(dashboard, "/api/events/streams"), 503);
    expect(down.error.code).toBe("ERR_X_DASHBOARD_SOURCE_UNAVAILABLE");
    expect(down.error.message).toMatch(/^NATS is unavailable: /);
    // The page itself does not depend on NATS.
    expect((await call(dashboard, "/")).status).toBe(200);
    await nats.restart();
    await expect.poll(async () => (await call(dashboard, "/api/events/streams")).status, { timeout: 30_000, interval: 200 }).toBe(200);
  });
});
