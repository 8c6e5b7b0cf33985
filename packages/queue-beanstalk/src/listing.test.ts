import { createMessage, encode } from "@x/message";
import { describe, expect, it } from "vitest";
import { toListing, withServerCounts } from "./listing.js";
import type { JobStats } from "./protocol/stats.js";

const NOW = 1_800_000_000_000;

function stats(overrides: Partial<JobStats>): JobStats {
  return {
    id: 9,
    tube: "t",
    state: "ready",
    pri: 100,
    ttr: 60,
    age: 0,
    timeLeft: 0,
    reserves: 0,
    timeouts: 0,
    releases: 0,
    buries: 0,
    kicks: 0,
    ...overrides,
  };
}

const body = encode(createMessage({ requestType: "mail", payload: { to: "ada" }, priority: 1, attempts: 2 }));

describe("toListing", () => {
  it("takes priority and attempts from the server and times from age and time-left", () => {
    const delayed = toListing(stats({ state: "delayed", pri: 7, age: 30, timeLeft: 12, reserves: 3 }), { id: 9, body }, NOW);
    expect(delayed).toMatchObject({
      id: "9",
      state: "delayed",
      requestType: "mail",
      priority: 7,
      attempts: 5,
      enqueuedAt: NOW - 30_000,
      readyAt: NOW + 12_000,
    });
    expect(delayed.leaseEndsAt).toBeUndefined();
    expect(delayed.message).toMatchObject({ id: "9", body: { payload: { to: "ada" } } });

    const reserved = toListing(stats({ state: "reserved", timeLeft: 40, reserves: 3 }), { id: 9, body }, NOW);
    // The current delivery is not an earlier attempt.
    expect(reserved).toMatchObject({ attempts: 4, leaseEndsAt: NOW + 40_000 });
    expect(reserved.readyAt).toBeUndefined();

    const buried = toListing(stats({ state: "buried", reserves: 1 }), { id: 9, body }, NOW);
    expect(buried).toMatchObject({ state: "buried", attempts: 3 });
    expect(buried.buryReason).toBeUndefined();
    expect(buried.readyAt).toBeUndefined();
  });

  it("lists a foreign body with its text as the payload, no request type and the reason", () => {
    const listing = toListing(stats({}), { id: 9, body: Buffer.from("<xml/>") }, NOW);
    expect(listing.requestType).toBe("");
    expect(listing.message.id).toBe("9");
    expect(listing.message.body.payload).toBe("<xml/>");
    expect(listing.message.header.foreignBody).toEqual(expect.any(String));
  });

  it("withServerCounts caps a priority beyond the message range", () => {
    const message = createMessage({ payload: 1 });
    expect(withServerCounts(message, stats({ pri: 2 ** 32 - 1 })).header.priority).toBe(2 ** 32 - 1);
  });
});
