import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { createMemoryQueue } from "@x/message";
import { afterEach, describe, expect, it } from "vitest";
import { createDashboard, type Dashboard, serveDashboard, toNodeHandler } from "../src/index.js";

/** Polls wait this long: the machine may be busy with other suites. */
const POLL = { timeout: 15_000 };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  const running = server;
  if (running !== undefined) await new Promise((resolve) => running.close(resolve));
  server = undefined;
});

async function listen(handler: (req: IncomingMessage, res: Parameters<ReturnType<typeof toNodeHandler>>[1]) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A dashboard whose answers the test writes, to watch what the adapter does with them. */
function scripted(fetch: (request: Request) => Promise<Response>): Dashboard {
  return { fetch, probePublisher: undefined, close: async () => undefined, [Symbol.asyncDispose]: async () => undefined };
}

describe("toNodeHandler", () => {
  it("keeps express's mount path (req.originalUrl), so basePath routing works under app.use", async () => {
    const dashboard = createDashboard({ queues: { jobs: createMemoryQueue() }, basePath: "/ops" });
    const handle = toNodeHandler(dashboard);
    const base = await listen((req, res) => {
      // What express does for app.use("/ops", handler): strips the mount path, keeps originalUrl.
      Object.assign(req, { originalUrl: req.url, url: req.url?.slice("/ops".length) });
      handle(req, res);
    });
    const answer = await fetch(`${base}/ops/api/config`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { queues: string[] }).queues).toEqual(["jobs"]);
    await dashboard.close();
  });

  it("passes method, headers and body through, and answers 413 to a body over 64 KiB", async () => {
    const seen: string[] = [];
    const base = await listen(
      toNodeHandler(
        scripted(async (request) => {
          seen.push(
            `${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-dashboard-action") ?? ""} ${await request.text()}`,
          );
          return new Response("ok", { status: 202, headers: { "x-answer": "yes" } });
        }),
      ),
    );
    const answer = await fetch(`${base}/api/x?y=1`, { method: "POST", headers: { "x-dashboard-action": "1" }, body: '{"a":1}' });
    expect([answer.status, answer.headers.get("x-answer"), await answer.text()]).toEqual([202, "yes", "ok"]);
    expect(seen).toEqual(['POST /api/x 1 {"a":1}']);
    const big = await fetch(`${base}/api/x`, { method: "POST", body: "x".repeat(70_000) });
    expect(big.status).toBe(413);
    expect(seen).toHaveLength(1);
  });

  it("answers 400 to a request whose Host header makes no URL, and keeps serving", async () => {
    const base = await listen(toNodeHandler(createDashboard()));
    const { port } = new URL(base);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.end("GET /api/config HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n");
      });
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("end", () => {
        resolve(text);
      });
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${base}/api/config`)).status).toBe(200);
  });

  it("stops reading the handler's stream when the client goes away (an open live feed)", async () => {
    let cancelled = false;
    const base = await listen(
      toNodeHandler(
        scripted(async () => {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("event: summary\ndata: {}\n\n"));
            },
            cancel() {
              cancelled = true;
            },
          });
          return new Response(body, { headers: { "content-type": "text/event-stream" } });
        }),
      ),
    );
    const client = new AbortController();
    const answer = await fetch(`${base}/api/live`, { signal: client.signal });
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("event: summary");
    client.abort();
    await expect.poll(() => cancelled, POLL).toBe(true);
  });
});

describe("serveDashboard", () => {
  it("listens on 127.0.0.1 by default, and close() stops the server and the dashboard", async () => {
    const dashboard = createDashboard();
    const served = await serveDashboard(dashboard);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(served.url)).status).toBe(200);
    await served.close();
    await served.close();
    await expect(fetch(served.url)).rejects.toThrow();
  });

  it("rejects unknown options", async () => {
    await expect(serveDashboard(createDashboard(), { prot: 80 } as never)).rejects.toThrow(/valid options: host, port/);
  });
});
