import { type BeanstalkdOptions, type RunningServer, startBeanstalkd } from "@x/test-servers";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type BeanstalkQueue, type BeanstalkQueueOptions, createBeanstalkQueue } from "../src/index.js";
import { freshTube } from "./helpers.js";

/** One beanstalkd for a test file, and queues on it that are closed after each test. */
export interface QueueFixture {
  readonly server: RunningServer;
  /** A queue on a fresh tube (unless `options.tube` says otherwise). */
  queue(options?: BeanstalkQueueOptions): BeanstalkQueue;
}

/** Registers the hooks: the server starts before the file's tests and stops after them. */
export function useQueues(serverOptions: BeanstalkdOptions = {}, defaults: BeanstalkQueueOptions = {}): QueueFixture {
  let server: RunningServer | undefined;
  const opened: BeanstalkQueue[] = [];
  beforeAll(async () => {
    server = await startBeanstalkd(serverOptions);
  });
  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });
  const fixture: QueueFixture = {
    get server(): RunningServer {
      if (!server) throw new Error("the server starts in beforeAll; use it inside tests");
      return server;
    },
    queue(options = {}) {
      const queue = createBeanstalkQueue({
        host: fixture.server.host,
        port: fixture.server.port,
        tube: freshTube(),
        ...defaults,
        ...options,
      });
      opened.push(queue);
      return queue;
    },
  };
  return fixture;
}
