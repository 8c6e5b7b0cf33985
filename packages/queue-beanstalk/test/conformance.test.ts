import { afterAll, beforeAll } from "vitest";
import { describeQueueAdapter } from "@x/message/testing";
import { startBeanstalkd, type RunningServer } from "@x/test-servers";
import { createBeanstalkQueue, type BeanstalkQueue } from "../src/index.js";
import { freshTube } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startBeanstalkd();
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describeQueueAdapter(
  "beanstalk",
  ({ leaseMs }) =>
    createBeanstalkQueue({ host: server.host, port: server.port, tube: freshTube(), ttrMs: leaseMs }),
  {
    leaseMs: 1000,
    share: (queue) => {
      const q = queue as BeanstalkQueue;
      return createBeanstalkQueue({ host: q.host, port: q.port, tube: q.tube, ttrMs: 1_000 });
    },
  },
);
