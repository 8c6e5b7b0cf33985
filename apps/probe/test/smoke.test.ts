import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { type ProbeMessage, validateMessage } from "@x/probe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runApp, startApp } from "./run-app.js";

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A loopback port nothing listens on: the OS hands it out, then it is closed again. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs the app once (`--once`) and returns its messages by aspect. `--once` exits with the worst
 * state (0 ok, 2 critical). The disk plugin's thresholds in the tests are 100 %, so the machine's
 * own disk cannot turn a test red; its metric message is followed by a state-only message (the
 * plugin's verdict), so `disk` comes twice.
 */
async function runOnce(env: Record<string, string>, exitCode = 0): Promise<Map<string, ProbeMessage[]>> {
  const result = await runApp(["--once"], { ...process.env, ...env });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(exitCode);
  const messages = result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const checked = validateMessage(JSON.parse(line));
      if (!checked.valid) throw new Error(`invalid message ${line}: ${checked.reason}`);
      return checked.message;
    });
  expect(messages.map((m) => m.event.name)).toEqual(["web", "database", "disk", "disk", "probe_memory"]);
  const byName = new Map<string, ProbeMessage[]>();
  for (const message of messages) byName.set(message.event.name, [...(byName.get(message.event.name) ?? []), message]);
  return byName;
}

describe("apps/probe smoke test: x-probe --once with the example checks module", () => {
  const http = createHttpServer((_req, res) => res.end("ok"));
  const tcp = createTcpServer((socket) => socket.end());
  const env: Record<string, string> = { PROBE_DISK_WARN: "100", PROBE_DISK_CRIT: "100" };

  beforeAll(async () => {
    env.PROBE_HTTP_URL = `http://127.0.0.1:${await listen(http)}/health`;
    env.PROBE_TCP_ADDRESS = `127.0.0.1:${await listen(tcp)}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
    await new Promise((resolve) => tcp.close(resolve));
  });

  it("emits one message per check (and the plugin's verdict), in list order, all up", async () => {
    const messages = await runOnce(env);
    expect(messages.get("web")?.[0]?.event).toMatchObject({
      state: { value: "ok", severity: "expected" },
      vset: { status: { value: 200 } },
    });
    expect(messages.get("database")?.[0]?.event).toMatchObject({ state: { value: "ok", severity: "expected" } });
    const [diskMetric, diskVerdict] = messages.get("disk") ?? [];
    expect(diskVerdict?.event.state).toEqual({ value: "ok", severity: "expected" });
    const disk = diskMetric?.event.vset?.["disk usage"];
    expect(disk).toMatchObject({
      unit: "%",
      min: 0,
      max: 100,
      threshold_high: [
        { name: "warning", value: 100, severity: "warning" },
        { name: "critical", value: 100, severity: "error" },
      ],
    });
    expect(disk?.value).toBeGreaterThanOrEqual(0);
    expect(disk?.value).toBeLessThanOrEqual(100);
    expect(messages.get("probe_memory")?.[0]?.event.vset?.rss?.value).toBeGreaterThan(0);
  });

  it("reports the TCP target critical when nothing listens there", async () => {
    // The worst state is critical, so --once exits 2, as a Nagios plugin would.
    const messages = await runOnce({ ...env, PROBE_TCP_ADDRESS: `127.0.0.1:${await closedPort()}` }, 2);
    expect(messages.get("database")?.[0]?.event).toMatchObject({ state: { value: "critical", severity: "error" } });
    expect(messages.get("database")?.[0]?.event.comment).toMatch(/ECONNREFUSED/);
    expect(messages.get("web")?.[0]?.event.state).toEqual({ value: "ok", severity: "expected" });
  });

  it("runs as a daemon: every check is due at start-up, and SIGTERM exits 0 after flushing", async () => {
    const child = startApp(["--log-level", "info"], { ...process.env, ...env });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = (): string[] => stdout.split("\n").filter(Boolean);
    while (lines().length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain("[info] received signal; shutting down");
    const names = lines().map((line) => (JSON.parse(line) as ProbeMessage).event.name);
    // The checks are asynchronous, so they finish in no set order; each reported once.
    expect(names.slice(0, 5).sort()).toEqual(["database", "disk", "disk", "probe_memory", "web"]);
  });
});
