import { describeQueueAdapter } from "@x/message/testing";
import { type RunningServer, startBeanstalkd } from "@x/test-servers";
import { afterAll, beforeAll } from "vitest";
import { type BeanstalkQueue, createBeanstalkQueue } from "../src/index.js";
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
  ({ leaseMs }) => createBeanstalkQueue({ host: server.host, port: server.port, tube: freshTube(), ttrMs: leaseMs }),
  {
    leaseMs: 1000,
    share: (queue) => {
      const q = queue as BeanstalkQueue;
      return createBeanstalkQueue({ host: q.host, port: q.port, tube: q.tube, ttrMs: 1_000 });
    },
  },
);
