import { createMonitor } from "@x/heartbeat";
import { createMemoryQueue } from "@x/message";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { call } from "../test/request.js";
import { createDashboard, tokenAuth } from "./index.js";

const monitor = createMonitor();
monitor.receive("heartbeat.a", "beat/5");
const queue = createMemoryQueue();
await queue.enqueue({ id: "job-1", payload: { x: 1 } });
const dashboard = createDashboard({ queues: { jobs: queue }, monitor, probes: {}, actions: tokenAuth("fuzz-token-123") });

afterAll(async () => {
  await dashboard.close();
  await monitor.close();
});

const segment = fc.oneof(
  fc.constantFrom(
    "api",
    "queues",
    "jobs",
    "job-1",
    "heartbeats",
    "transitions",
    "events",
    "probes",
    "bulk",
    "retry",
    "delete",
    "pause",
    "assets",
    "app.js",
    "..",
    "%",
    "%2F",
    "%E0%A4%A",
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const query = fc.dictionary(
  fc.constantFrom("state", "limit", "cursor", "requestType", "search"),
  fc.oneof(fc.string({ maxLength: 8 }), fc.integer().map(String)),
  { maxKeys: 4 },
);

describe("any request", () => {
  it("is answered with a status the API documents, never a server error (fixed seed)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 6 }),
        query,
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        fc.jsonValue(),
        async (parts, params, method, body) => {
          const path = `/${parts.join("/")}?${new URLSearchParams(params).toString()}`;
          const response = await call(dashboard, path, method === "GET" ? {} : { method, token: "fuzz-token-123", body });
          expect([200, 308, 400, 401, 403, 404, 501]).toContain(response.status);
          await response.body?.cancel();
        },
      ),
      { seed: 20261205, numRuns: 400 },
    );
  });

  it("probe payloads of any shape are taken or dropped, never thrown", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array({ maxLength: 64 })), (payload) => {
        expect(() => {
          dashboard.probePublisher?.publish({
            subject: "probe",
            payload: typeof payload === "string" || payload instanceof Uint8Array ? payload : JSON.stringify(payload),
          });
        }).not.toThrow();
      }),
      { seed: 20261205, numRuns: 300 },
    );
  });
});
