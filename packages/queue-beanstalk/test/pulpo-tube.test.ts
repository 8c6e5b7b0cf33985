/**
 * Sharing pulpo's tube: what pulpo's beanstalkd adapter puts (its exact bytes) is consumed by ours,
 * and with `dialect: "pulpo"` what ours puts is pulpo's bytes, so a pulpo worker can read it.
 */

import { createMessage } from "@x/message";
import { describe, expect, it } from "vitest";
import type { FiveBeansClient } from "../src/protocol/fivebeans.js";
import { connectFivebeans } from "./helpers.js";
import { useQueues } from "./queues.js";

const PULPO_TUBE = "pulpo-beanstalk-queue-adapter";
const fixture = useQueues();

/**
 * What pulpo's adapter puts for `Message(payload="hello", request_type="upper", delay=...,
 * expiration=...)`: `json.dumps(components, indent=2, default=str)`, no id.
 */
const PULPO_BODY = [
  "{",
  '  "body": {',
  '    "payload": "hello"',
  "  },",
  '  "header": {',
  '    "request_type": "upper",',
  '    "delay": "2030-01-02 03:04:05.678000",',
  '    "expiration": "2031-01-01 00:00:00"',
  "  }",
  "}",
].join("\n");

async function withClient<T>(run: (client: FiveBeansClient) => Promise<T>): Promise<T> {
  const client = await connectFivebeans(fixture.server.host, fixture.server.port);
  try {
    return await run(client);
  } finally {
    client.end();
  }
}

/** Puts a body into pulpo's tube the way pulpo does: greenstalk's priority 65536 and TTR 60. */
async function putAsPulpo(body: string): Promise<string> {
  return withClient(async (client) => {
    await new Promise<void>((resolve, reject) => {
      client.use(PULPO_TUBE, (err) => {
        if (err === null) resolve();
        else reject(new Error(err));
      });
    });
    return new Promise<string>((resolve, reject) => {
      client.put(65_536, 0, 60, Buffer.from(body), (err, id) => {
        if (err === null) resolve(id);
        else reject(new Error(err));
      });
    });
  });
}

/** The bytes of a job as they sit in beanstalkd. */
async function rawBody(id: string): Promise<string> {
  return withClient(
    (client) =>
      new Promise<string>((resolve, reject) => {
        client.peek(Number(id), (err, _id, body) => {
          if (err === null) resolve(body.toString("utf8"));
          else reject(new Error(err));
        });
      }),
  );
}

describe("pulpo's tube", () => {
  it("consumes a job pulpo put, with its date forms, in one line of configuration", async () => {
    const id = await putAsPulpo(PULPO_BODY.replace("2030-01-02 03:04:05.678000", "2020-01-02 03:04:05.678000"));
    const queue = fixture.queue({ tube: PULPO_TUBE });
    const job = await queue.reserve({ timeoutMs: 5_000 });
    expect(job?.message).toEqual(
      createMessage({
        id,
        requestType: "upper",
        payload: "hello",
        priority: 65_536,
        delay: new Date("2020-01-02T03:04:05.678Z"),
        expiration: new Date("2031-01-01T00:00:00.000Z"),
      }),
    );
    await job?.ack();
    expect((await queue.stats()).ready).toBe(0);
  });

  it('with dialect: "pulpo", puts pulpo\'s exact bytes (its date forms, indent=2, no id)', async () => {
    const queue = fixture.queue({ tube: PULPO_TUBE, dialect: "pulpo" });
    const sent = await queue.enqueue({
      requestType: "upper",
      payload: "hello",
      delay: new Date("2030-01-02T03:04:05.678Z"),
      expiration: new Date("2031-01-01T00:00:00.000Z"),
    });
    expect(await rawBody(sent.id)).toBe(PULPO_BODY);
    // Read back by us too: the job id is the message id.
    const peeked = await queue.peek(sent.id);
    expect(peeked?.header.delay).toEqual(new Date("2030-01-02T03:04:05.678Z"));
    expect(peeked?.body.payload).toBe("hello");
    expect(await queue.delete(sent.id)).toBe(true);
  });

  it("without the dialect, puts ISO-8601 dates, which pulpo cannot parse", async () => {
    const queue = fixture.queue({ tube: PULPO_TUBE });
    const sent = await queue.enqueue({ requestType: "upper", delay: new Date("2030-01-02T03:04:05.678Z") });
    expect(await rawBody(sent.id)).toContain('"delay":"2030-01-02T03:04:05.678Z"');
    expect(await queue.delete(sent.id)).toBe(true);
  });

  it("a job put with the pulpo dialect is reserved and acked by a default-dialect consumer", async () => {
    const producer = fixture.queue({ tube: PULPO_TUBE, dialect: "pulpo" });
    const consumer = fixture.queue({ tube: PULPO_TUBE });
    const sent = await producer.enqueue({ requestType: "upper", payload: { text: "é" }, priority: 5, header: { source: "shop" } });
    const job = await consumer.reserve({ timeoutMs: 5_000 });
    expect(job?.message).toEqual(sent);
    await job?.ack();
  });
});
