import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { silentLogger } from "@x/core";
import { freePort } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Checks, CheckTimeoutError, createChecks, httpCheck, type ProbeMessage, tcpCheck } from "../src/index.js";

async function listen(server: HttpServer | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function once(check: Parameters<Checks["add"]>[0]): Promise<ProbeMessage> {
  const checks = createChecks([check]);
  const [message] = await checks.runOnce();
  await checks.close();
  if (message === undefined) throw new Error("no message");
  return message;
}

describe("httpCheck (real HTTP server)", () => {
  const sockets = new Set<Socket>();
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === "/health") res.end('{"status":"ok"}');
      else if (req.url === "/broken") {
        res.statusCode = 503;
        res.end("down");
      } else if (req.url === "/hang") {
        // never answers
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("reports ok with the latency and status when the status is 2xx and the body matches", async () => {
    const message = await once(httpCheck(`${base}/health`, { intervalMs: 1_000, bodyMatch: /"status":"ok"/, location: { host: "web" } }));
    expect(message).toMatchObject({ location: { host: "web" }, event: { name: "http", state: { value: "ok", severity: "expected" } } });
    expect(message.event.vset?.status).toEqual({ value: 200 });
    expect(message.event.vset?.latency?.unit).toBe("ms");
    expect(message.event.vset?.latency?.value).toBeGreaterThan(0);
  });

  it("reports critical for an unexpected status, a body mismatch and a refused connection", async () => {
    const broken = await once(httpCheck(`${base}/broken`, { intervalMs: 1_000, aspect: "site" }));
    expect(broken.event).toMatchObject({ name: "site", state: { value: "critical", severity: "error" }, comment: "unexpected status 503" });
    expect(broken.event.vset?.status).toEqual({ value: 503 });

    const mismatch = await once(httpCheck(`${base}/health`, { intervalMs: 1_000, bodyMatch: "maintenance" }));
    expect(mismatch.event).toMatchObject({ state: { value: "critical" }, comment: "body does not match maintenance" });

    const accepted = await once(httpCheck(`${base}/broken`, { intervalMs: 1_000, expectStatus: [503] }));
    expect(accepted.event.state).toEqual({ value: "ok", severity: "expected" });

    const refused = await once(httpCheck(`http://127.0.0.1:${await freePort()}/`, { intervalMs: 1_000 }));
    expect(refused.event.state).toEqual({ value: "critical", severity: "error" });
    expect(refused.event.comment).toMatch(/ECONNREFUSED/);
    expect(refused.event.vset).toEqual({ latency: { value: null, unit: "ms" }, status: { value: null } });
  });

  it("a server that never answers times out as critical", async () => {
    const message = await once(httpCheck(`${base}/hang`, { intervalMs: 1_000, timeoutMs: 200 }));
    expect(message.event).toMatchObject({ state: { value: "critical", severity: "error" }, comment: "timed out after 200 ms" });
  });

  it("validates its options", () => {
    expect(() => httpCheck("not a url", { intervalMs: 1 })).toThrow("`url` is not a URL");
    expect(() => httpCheck("ftp://x/", { intervalMs: 1 })).toThrow("`url` must be http: or https:");
    expect(() => httpCheck(base, { intervalMs: 1, expectStatus: 200 as unknown as number[] })).toThrow("`expectStatus`");
    expect(() => httpCheck(base, { intervalMs: 1, headers: { "x-retries": 3 } as unknown as Record<string, string> })).toThrow(
      "`headers.x-retries` must be a string, got 3",
    );
    expect(() => httpCheck(base, { intervalMs: 1, maxBodyBytes: -1 })).toThrow("`maxBodyBytes` must be a number >= 0, got -1");
  });
});

describe("tcpCheck (real TCP server)", () => {
  it("reports ok with the connect time, critical when refused", async () => {
    const server = createTcpServer((s) => s.end());
    const port = await listen(server);
    const up = await once(tcpCheck({ host: "127.0.0.1", port }, { intervalMs: 1_000, aspect: "db" }));
    expect(up.event).toMatchObject({ name: "db", state: { value: "ok", severity: "expected" } });
    expect(up.event.vset?.connect_time?.value).toBeGreaterThan(0);
    await new Promise((resolve) => server.close(resolve));

    const down = await once(tcpCheck({ host: "127.0.0.1", port }, { intervalMs: 1_000, aspect: "db" }));
    expect(down.event).toMatchObject({ name: "db", state: { value: "critical", severity: "error" } });
    expect(down.event.comment).toMatch(/ECONNREFUSED/);
    expect(down.event.vset).toEqual({ connect_time: { value: null, unit: "ms" } });
  });

  // A connect that hangs cannot be made on loopback (the kernel completes the handshake even
  // for a listener that never accepts, with SYN cookies), so the timeout is applied the moment
  // the connect starts: the socket must give up at once and the run be reported as timed out.
  it("a connect still pending when the run times out is abandoned and reported critical", async () => {
    const server = createTcpServer((s) => s.end());
    const port = await listen(server);
    const check = tcpCheck({ host: "127.0.0.1", port }, { intervalMs: 1_000, timeoutMs: 300, aspect: "db" });
    const timeout = new CheckTimeoutError(300);
    const controller = new AbortController();
    const context = { id: 0, name: "db", scheduledAt: 0, startedAt: 0, timeoutMs: 300, signal: controller.signal, logger: silentLogger };
    const running = check.run(context);
    controller.abort(timeout);
    await expect(running).rejects.toBe(timeout);
    const reported = check.failureMessages?.({ kind: "timeout", error: timeout, id: 0, name: "db" });
    expect(reported).toMatchObject({
      event: { name: "db", state: { value: "critical", severity: "error" }, comment: "timed out after 300 ms" },
    });
    expect(reported).toMatchObject({ event: { vset: { connect_time: { value: null, unit: "ms" } } } });
    await new Promise((resolve) => server.close(resolve));
  });

  it("validates the target", () => {
    expect(() => tcpCheck({ host: "", port: 1 }, { intervalMs: 1 })).toThrow("`target.host`");
    expect(() => tcpCheck({ host: "x", port: 70_000 }, { intervalMs: 1 })).toThrow(
      "`target.port` must be a port number 1-65535, got 70000",
    );
    expect(tcpCheck({ host: "::1", port: 22 }, { intervalMs: 1 }).checkName?.()).toBe("tcp [::1]:22");
  });
});
