import { createMemoryQueue, InvalidArgumentError } from "@x/message";
import { describe, expect, it } from "vitest";
import { isDuplicateId } from "./duplicate.js";

describe("isDuplicateId", () => {
  it("an InvalidArgumentError about the id, or one while a job with the id exists, is a duplicate; nothing else is", async () => {
    const queue = createMemoryQueue();
    const refusal = await queue
      .enqueue({ id: "a" })
      .then(() => queue.enqueue({ id: "a" }))
      .catch((error: unknown) => error);
    expect(await isDuplicateId(queue, "a", refusal)).toBe(true);
    // An adapter that names the argument differently: the job being there decides.
    expect(await isDuplicateId(queue, "a", new InvalidArgumentError("jobId", "exists"))).toBe(true);
    expect(await isDuplicateId(queue, "b", new InvalidArgumentError("payload.n", "not JSON"))).toBe(false);
    expect(await isDuplicateId(queue, "a", new Error("disk full"))).toBe(false);
  });
});
