import { systemTime, type TimeSource } from "@x/core";
import { describe, expect, it } from "vitest";
import { createNatsQueue } from "../src/index.js";
import { freshQueueName, serverForFile } from "./helpers.js";

const server = serverForFile();

/** The system's clocks and timers, but a monotonic clock that moves only when the test says. */
function steppedTime(): TimeSource & { step(ms: number): void } {
  let offset = 0;
  const start = systemTime.now();
  return {
    now: () => start + offset,
    wallNow: () => systemTime.wallNow(),
    setTimeout: (callback, ms) => systemTime.setTimeout(callback, ms),
    clearTimeout: (handle) => {
      systemTime.clearTimeout(handle);
    },
    step: (ms) => {
      offset += ms;
    },
  };
}

describe("reserves share one stream-info answer for 25 ms", () => {
  it("another process's more urgent job is served once the answer is 25 ms old, and at once after a reserve found nothing", async () => {
    const name = freshQueueName("overview");
    const time = steppedTime();
    const worker = createNatsQueue({ servers: server.url, queue: name, time });
    const producer = createNatsQueue({ servers: server.url, queue: name });
    server.closeAfterTest(worker, producer);
    for (let i = 0; i < 3; i++) await producer.enqueue({ id: `low-${String(i)}`, priority: 5 });
    const first = await worker.reserve();
    expect(first?.message.id).toBe("low-0");
    await producer.enqueue({ id: "urgent", priority: 0 });
    // Within 25 ms the answer that listed band 5 only is still used: the urgent job waits.
    const second = await worker.reserve();
    expect(second?.message.id).toBe("low-1");
    time.step(25);
    const third = await worker.reserve();
    expect(third?.message.id).toBe("urgent");
    // This adapter's own enqueue is seen at once, whatever the age of the answer.
    await worker.enqueue({ id: "mine", priority: 1 });
    expect((await worker.reserve())?.message.id).toBe("mine");
    expect((await worker.reserve())?.message.id).toBe("low-2");
  });
});
