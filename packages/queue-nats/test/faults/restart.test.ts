/**
 * One nats-server killed with SIGKILL and restarted while a producer enqueues and a worker works:
 * JetStream's file store keeps every confirmed job, and both sides carry on by themselves.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectionError, InvalidArgumentError, TimeoutError } from "@x/message";
import { printFaultReport, type RunningServer, soakScale, startNatsServer } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNatsQueue, type NatsQueue } from "../../src/index.js";
import { freshQueueName } from "../helpers.js";

const JOBS = soakScale(600, 5_000);

let server: RunningServer;
const queues: NatsQueue[] = [];
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const queue of queues) await queue.close();
  await server[Symbol.asyncDispose]();
});

it("a server killed with SIGKILL and restarted loses no confirmed job; producer and worker carry on", async () => {
  const name = freshQueueName("restart");
  const open = (): NatsQueue => {
    const queue = createNatsQueue({ servers: server.url, queue: name, leaseMs: 3_000, requestTimeoutMs: 1_000, pollIntervalMs: 100 });
    queues.push(queue);
    return queue;
  };
  const producer = open();
  const deliveries = new Map<string, number>();
  const worker = createWorker({
    queue: open(),
    concurrency: 8,
    pollTimeoutMs: 200,
    errorDelayMs: 50,
    unexpectedErrors: "transient",
    handlers: {
      work: (_payload: unknown, ctx) => {
        deliveries.set(ctx.message.id, (deliveries.get(ctx.message.id) ?? 0) + 1);
      },
    },
  });
  const running = worker.run();
  const confirmed = new Set<string>();
  let rejected = 0;
  let outageMs = 0;
  for (let n = 0; n < JOBS; n++) {
    if (n === Math.floor(JOBS / 3)) {
      const down = Date.now();
      await server.kill();
      await sleep(500);
      await server.restart();
      outageMs = Date.now() - down;
    }
    const id = `job-${String(n)}`;
    for (;;) {
      try {
        await producer.enqueue({ id, requestType: "work", payload: n });
        confirmed.add(id);
        break;
      } catch (error) {
        // Stored after all, its answer lost with the server: JetStream refuses the repeat.
        if (error instanceof InvalidArgumentError) {
          confirmed.add(id);
          break;
        }
        expect(error).toSatisfy((e: unknown) => e instanceof ConnectionError || e instanceof TimeoutError);
        rejected++;
        await sleep(100);
      }
    }
  }
  const deadline = Date.now() + 60_000;
  while (![...confirmed].every((id) => deliveries.has(id)) && Date.now() < deadline) await sleep(100);
  await worker.close();
  await running;
  let handled = 0;
  let duplicated = 0;
  for (const [id, count] of deliveries) {
    if (confirmed.has(id)) handled++;
    duplicated += count - 1;
  }
  const lost = confirmed.size - handled;
  printFaultReport({ scenario: "nats-server-kill-restart", confirmed: confirmed.size, handled, lost, duplicated, rejected, outageMs });
  expect(confirmed.size).toBe(JOBS);
  expect(lost).toBe(0);
}, 120_000);
