import { describe, expect, it } from "vitest";
import { webshopSettings } from "../src/index.js";

describe("webshopSettings: NATS_URL and WEBSHOP_REPLICAS", () => {
  it("defaults to one local server and one copy of each stream", () => {
    expect(webshopSettings({})).toEqual({ servers: ["nats://127.0.0.1:4222"], replicas: 1 });
  });

  it("reads a cluster: every node of NATS_URL, separated by commas, and the replica count", () => {
    expect(webshopSettings({ NATS_URL: "nats://a:4222, nats://b:4222,nats://c:4222", WEBSHOP_REPLICAS: "3" })).toEqual({
      servers: ["nats://a:4222", "nats://b:4222", "nats://c:4222"],
      replicas: 3,
    });
  });

  it("refuses a replica count NATS cannot keep, naming the variable", () => {
    for (const bad of ["0", "6", "2.5", "three", ""]) {
      expect(() => webshopSettings({ WEBSHOP_REPLICAS: bad })).toThrow(/WEBSHOP_REPLICAS must be a whole number from 1 to 5/);
    }
    expect(() => webshopSettings({ NATS_URL: " , " })).toThrow(/NATS_URL names no server/);
  });
});
