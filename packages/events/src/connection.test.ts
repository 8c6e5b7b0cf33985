import { describe, expect, it } from "vitest";
import { DEFAULT_SERVERS, defaultServers } from "./connection.js";

describe("defaultServers", () => {
  it("reads NATS_SERVER (walnats' variable): one URL or a comma-separated list", () => {
    expect(defaultServers({ NATS_SERVER: "nats://a:4222" })).toBe("nats://a:4222");
    expect(defaultServers({ NATS_SERVER: " nats://a:4222 , nats://b:4222," })).toEqual(["nats://a:4222", "nats://b:4222"]);
  });
  it("falls back to the loopback server when it is unset or blank", () => {
    expect(defaultServers({})).toBe(DEFAULT_SERVERS);
    expect(defaultServers({ NATS_SERVER: "  " })).toBe(DEFAULT_SERVERS);
  });
});
