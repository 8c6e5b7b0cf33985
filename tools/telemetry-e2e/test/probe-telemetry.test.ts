import { createServer } from "node:net";
import { createChecks, createMessage, functionCheck, tcpOutput } from "@x/probe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, registerSdk, type TestSdk } from "./sdk.js";

describe("probe spans and instruments", () => {
  let sdk: TestSdk;
  beforeAll(() => {
    sdk = registerSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("one span per check run, and check runs and durations by state", async () => {
    const checks = createChecks([
      functionCheck(
        function uptime() {
          return createMessage({ aspect: "uptime", location: { host: "web1" }, value: 1.5 });
        },
        { intervalMs: 60_000 },
      ),
      functionCheck(
        function users() {
          throw new Error("cannot count users");
        },
        { intervalMs: 60_000 },
      ),
    ]);
    await checks.runOnce();
    await checks.close();
    const spans = sdk.spans().filter((span) => span.name.startsWith("check "));
    expect(spans.map((span) => [span.name, span.attributes["x.probe.state"], span.status])).toEqual([
      ["check uptime()", "ok", 0],
      ["check users()", "exception", 2],
    ]);
    const metrics = await collect(sdk);
    expect(metrics.get("x.probe.check.runs")).toEqual([
      { value: 1, attributes: { "x.probe.check": "uptime()", "x.probe.state": "ok" } },
      { value: 1, attributes: { "x.probe.check": "users()", "x.probe.state": "exception" } },
    ]);
    expect(metrics.get("x.probe.check.duration")).toHaveLength(2);
  });

  it("spool size while the peer is down, and drops when the spool is full", async () => {
    // A port nobody listens on: bind one, then close it.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const output = tcpOutput({ host: "127.0.0.1", port, spoolBytes: 300 });
    for (let i = 0; i < 5; i++) output.send(createMessage({ aspect: "load", location: {}, value: i, time: 1 }));
    const spooled = output.stats().pending;
    const metrics = await collect(sdk);
    const name = `tcp:127.0.0.1:${port}`;
    expect(spooled).toBeGreaterThan(0);
    expect(spooled).toBeLessThan(5);
    expect(metrics.get("x.probe.spool.size")).toEqual([{ value: spooled, attributes: { "x.probe.output": name } }]);
    expect(metrics.get("x.probe.spool.dropped")).toEqual([{ value: 5 - spooled, attributes: { "x.probe.output": name } }]);
    await output.close();
  });
});
