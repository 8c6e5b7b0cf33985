import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestSdk, type TestSdk } from "../test/sdk.js";
import { createInstruments } from "./metrics.js";
import { ATTR, JOB_INSTRUMENTS } from "./schema.js";

describe("createInstruments", () => {
  // Made before the SDK exists: the instruments must still reach it.
  const instruments = createInstruments("test-metrics", JOB_INSTRUMENTS);
  const stop = instruments.observe("depth", (observe) => {
    observe(3, { [ATTR.QUEUE_STATE]: "ready" });
    observe(1, { [ATTR.QUEUE_STATE]: "buried" });
  });
  instruments.add("enqueued", 1);
  let sdk: TestSdk;
  beforeAll(() => {
    sdk = registerTestSdk();
  });
  afterAll(async () => {
    stop();
    await sdk.shutdown();
  });

  it("counters, histograms and gauges registered before the SDK report to it", async () => {
    instruments.add("enqueued", 2, { [ATTR.MESSAGING_SYSTEM]: "file", [ATTR.MESSAGING_DESTINATION_NAME]: "email", skipped: undefined });
    instruments.record("duration", 0.25, { [ATTR.MESSAGING_SYSTEM]: "file" });
    const collected = await sdk.collect();
    expect(collected.get("x.jobs.enqueued")).toEqual([
      { value: 2, attributes: { "messaging.system": "file", "messaging.destination.name": "email" } },
    ]);
    const histogram = collected.get("x.job.duration")?.[0]?.value as { count: number; sum: number };
    expect(histogram.count).toBe(1);
    expect(histogram.sum).toBe(0.25);
    expect(collected.get("x.queue.depth")).toEqual([
      { value: 3, attributes: { "x.queue.state": "ready" } },
      { value: 1, attributes: { "x.queue.state": "buried" } },
    ]);
  });
});
