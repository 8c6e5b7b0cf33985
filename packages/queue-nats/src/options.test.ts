import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_MS, resolveOptions } from "./options.js";

describe("resolveOptions", () => {
  it("fills in the defaults", () => {
    const resolved = resolveOptions({ queue: "jobs" });
    expect(resolved).toMatchObject({ queue: "jobs", servers: ["nats://127.0.0.1:4222"], leaseMs: DEFAULT_LEASE_MS, replicas: 1 });
  });

  it("rejects unknown keys, listing the valid ones", () => {
    expect(() => resolveOptions({ queue: "jobs", ackWait: 5 } as never)).toThrow(/leaseMs/);
    expect(() => resolveOptions({ queue: "jobs", ackWait: 5 } as never)).toThrow(InvalidOptionError);
  });

  it.each([
    [{ queue: "with.dot" }, "queue"],
    [{ queue: "" }, "queue"],
    [{ queue: "q", servers: [] }, "servers"],
    [{ queue: "q", leaseMs: 50 }, "leaseMs"],
    [{ queue: "q", leaseMs: Number.POSITIVE_INFINITY }, "leaseMs"],
    [{ queue: "q", replicas: 7 }, "replicas"],
    [{ queue: "q", pollIntervalMs: 0 }, "pollIntervalMs"],
    [{ queue: "q", connection: {} }, "connection"],
  ])("rejects %o naming %s", (options, option) => {
    expect(() => resolveOptions(options as never)).toThrow(expect.objectContaining({ option }) as Error);
  });

  it("leaves the caller's object alone", () => {
    const options = Object.freeze({ queue: "jobs", servers: Object.freeze(["nats://a:4222"]) });
    expect(resolveOptions(options).servers).toEqual(["nats://a:4222"]);
  });
});
