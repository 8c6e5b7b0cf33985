/**
 * Jobs put by other producers share the tube: fivebeans' own worker envelope, pulpo messages
 * without an id, and bodies that are neither. None of them may stop the loop.
 */

import { InvalidMessageError } from "@x/message";
import { createWorker } from "@x/worker";
import { describe, expect, it } from "vitest";
import type { BeanstalkQueue, BeanstalkQueueEvents } from "../src/index.js";
import { connectFivebeans, freshTube } from "./helpers.js";
import { useQueues } from "./queues.js";

const fixture = useQueues();

/** Puts raw bodies with fivebeans itself, the way another service would. */
async function putRaw(tube: string, bodies: readonly string[]): Promise<string[]> {
  const client = await connectFivebeans(fixture.server.host, fixture.server.port);
  try {
    await new Promise<void>((resolve, reject) => {
      client.use(tube, (err) => {
        if (err === null) resolve();
        else reject(new Error(err));
      });
    });
    const ids: string[] = [];
    for (const body of bodies) {
      ids.push(
        await new Promise<string>((resolve, reject) => {
          client.put(100, 0, 60, Buffer.from(body), (err, id) => {
            if (err === null) resolve(id);
            else reject(new Error(err));
          });
        }),
      );
    }
    return ids;
  } finally {
    client.end();
  }
}

const queueFor = (tube: string): BeanstalkQueue => fixture.queue({ tube });

describe("interop with other producers", () => {
  it("reads fivebeans' {type, payload} envelope as request type + payload", async () => {
    const tube = freshTube();
    const [id] = await putRaw(tube, ['{"type":"resize","payload":{"image":"cat.png","width":200}}']);
    const job = await queueFor(tube).reserve();
    expect(job?.message.id).toBe(id);
    expect(job?.message.header).toMatchObject({ requestType: "resize", priority: 100, attempts: 0 });
    expect(job?.message.body.payload).toEqual({ image: "cat.png", width: 200 });
    await job?.ack();
  });

  it("reads a pulpo message put without an id, with pulpo's date format", async () => {
    const tube = freshTube();
    const [id] = await putRaw(tube, [
      '{"header":{"request_type":"upper","delay":"2023-12-10 17:00:00.250000"},"body":{"payload":"hello"}}',
    ]);
    const job = await queueFor(tube).reserve();
    expect(job?.message.id).toBe(id);
    expect(job?.message.header.requestType).toBe("upper");
    expect(job?.message.header.delay?.toISOString()).toBe("2023-12-10T17:00:00.250Z");
    expect(job?.message.body.payload).toBe("hello");
  });

  it("buries a body that is neither, reports why, and hands out the next job in the same call", async () => {
    const tube = freshTube();
    const queue = queueFor(tube);
    const buried: BeanstalkQueueEvents["buried"][] = [];
    queue.on("buried", (event) => buried.push(event));
    const [garbage, array] = await putRaw(tube, ["<xml>not json</xml>", "[1,2,3]"]);
    const good = await queue.enqueue({ requestType: "ok", payload: 1, priority: 1_000 });
    const job = await queue.reserve();
    expect(job?.message.id).toBe(good.id);
    expect(buried.map((e) => [e.id, e.foreign])).toEqual([
      [garbage, true],
      [array, true],
    ]);
    expect(buried[0]?.reason).toMatch(/^unreadable job body: invalid message: not JSON/);
    expect(buried[1]?.reason).toContain("must be a JSON object");
    expect((await queue.stats()).buried).toBe(2);
    // It is kept for a person to look at; as a message it cannot be read.
    await expect(queue.peek(garbage ?? "")).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(queue.inspect(garbage ?? "")).rejects.toBeInstanceOf(InvalidMessageError);
  });

  it("a worker on a tube shared with other producers handles what it can read and keeps running", async () => {
    const tube = freshTube();
    const queue = queueFor(tube);
    const foreign: string[] = [];
    queue.on("buried", (event) => {
      if (event.foreign) foreign.push(event.id);
    });
    const envelopes = await putRaw(tube, [
      '{"type":"greet","payload":"from fivebeans"}',
      "\u0000\u0001 binary noise",
      '{"type":"greet","payload":"again"}',
      '{"unrelated":true}',
    ]);
    const ours = await queue.enqueue({ requestType: "greet", payload: "from us" });
    const seen: unknown[] = [];
    const worker = createWorker({
      queue,
      handleSignals: false,
      pollTimeoutMs: 200,
      shutdownAfterEmptyIterations: 1,
      handlers: {
        greet: (payload: unknown) => {
          seen.push(payload);
        },
      },
    });
    const result = await worker.run();
    expect(result.reason).toBe("idle");
    expect(seen).toEqual(["from fivebeans", "again", "from us"]);
    expect(foreign).toEqual([envelopes[1], envelopes[3]]);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, buried: 2 });
    expect(await queue.peek(ours.id)).toBeNull();
  });
});
