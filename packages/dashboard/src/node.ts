import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkOptionKeys, InvalidOptionError, integerOption } from "@x/core";
import type { Dashboard } from "./dashboard.js";

/** Largest request body forwarded to the handler; larger ones are answered 413. */
const MAX_NODE_BODY_BYTES = 64 * 1024;

/** A `node:http` request listener, as `createServer()` and express's `app.use(path, ...)` take it. */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Adapts a dashboard to `node:http`: turns the request into a Web `Request`, streams the
 * `Response` back (the live feed included) and stops the stream when the client goes away.
 */
export function toNodeHandler(dashboard: Dashboard): NodeHandler {
  return (req, res) => {
    handle(dashboard, req, res).catch(() => {
      // Only a request Node accepted but the URL parser does not (a Host header such as "a b") gets here.
      if (res.headersSent) res.destroy();
      else res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
    });
  };
}

async function handle(dashboard: Dashboard, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.on("close", () => {
    abort.abort();
  });
  let body: Uint8Array | undefined;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > MAX_NODE_BODY_BYTES) {
        res.writeHead(413, { "content-type": "text/plain" }).end("request body too large");
        return;
      }
      chunks.push(chunk);
    }
    body = Buffer.concat(chunks);
  }
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  // express strips its mount path from `url`; `originalUrl` keeps it, as the dashboard's basePath expects.
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  const request = new Request(new URL(path, `http://${req.headers.host ?? "localhost"}`), {
    method: req.method ?? "GET",
    headers,
    signal: abort.signal,
    ...(body === undefined ? {} : { body }),
  });
  const response = await dashboard.fetch(request);
  const outgoing: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    outgoing[key] = value;
  });
  res.writeHead(response.status, outgoing);
  if (response.body === null || req.method === "HEAD") {
    res.end();
    await response.body?.cancel();
    return;
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away mid-stream.
  }
  res.end();
}

/** Options of {@link serveDashboard}. */
export interface ServeOptions {
  /** TCP port; `0` picks a free one (read it from `url`). @default 0 */
  readonly port?: number;
  /** Interface to listen on. Anything but loopback exposes the dashboard to the network. @default "127.0.0.1" */
  readonly host?: string;
}

/** A running dashboard server. */
export interface ServedDashboard extends AsyncDisposable {
  /** `http://host:port/` of the page. */
  readonly url: string;
  readonly server: Server;
  /** Stops the server (open live feeds are cut) and closes the dashboard. Idempotent. */
  close(): Promise<void>;
}

/** Serves a dashboard on its own `node:http` server, on 127.0.0.1 unless told otherwise. */
export async function serveDashboard(dashboard: Dashboard, options: ServeOptions = {}): Promise<ServedDashboard> {
  checkOptionKeys(options, ["port", "host"], "serveDashboard");
  const port = integerOption("port", options.port, 0, 0, 65_535);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new InvalidOptionError("host", host, "must be a host name or address");
  const server = createServer(toNodeHandler(dashboard));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    })());
  return { url: `http://${shown}:${address.port}/`, server, close, [Symbol.asyncDispose]: close };
}
