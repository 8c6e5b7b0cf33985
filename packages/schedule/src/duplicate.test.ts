import { createMemoryQueue, InvalidArgumentError } from "@x/message";
import { IdLockedError } from "@x/queue-file";
import { describe, expect, it } from "vitest";
import { isDuplicateId, isTransient } from "./duplicate.js";

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

describe("isTransient", () => {
  it("the file queue's IdLockedError is transient, and not a duplicate; other errors and non-errors are not transient", async () => {
    const locked = new IdLockedError("sched.tick.1", 4242);
    expect(isTransient(locked)).toBe(true);
    expect(await isDuplicateId(createMemoryQueue(), "sched.tick.1", locked)).toBe(false);
    expect(isTransient(new InvalidArgumentError("id", "exists"))).toBe(false);
    expect(isTransient(new Error("disk full"))).toBe(false);
    expect(isTransient({ transient: "yes" })).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});
