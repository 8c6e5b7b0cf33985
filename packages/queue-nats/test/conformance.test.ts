import { describeQueueAdapter } from "@x/message/testing";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll } from "vitest";
import { createNatsQueue, type NatsQueue } from "../src/index.js";
import { freshQueueName } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describeQueueAdapter("nats", ({ leaseMs }) => createNatsQueue({ servers: server.url, queue: freshQueueName(), leaseMs }), {
  leaseMs: 1000,
  share: (queue) => {
    const q = queue as NatsQueue;
    return createNatsQueue({ servers: q.servers, queue: q.queue, leaseMs: q.leaseMs });
  },
});
