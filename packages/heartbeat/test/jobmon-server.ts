import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake jobmon server received, as it arrived. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body bytes as text, exactly as sent. */
  readonly body: string;
}

/** What the server does with the next heartbeat: jobmon's answer, an HTTP error, a bad body or a stall. */
export type Behaviour =
  | { readonly kind: "jobmon" }
  | { readonly kind: "http"; readonly status: number; readonly body: string }
  | { readonly kind: "raw"; readonly body: string }
  | { readonly kind: "stall" };

/**
 * A local stand-in for jobmon's `POST /api/v3/workflow_run/{id}/log_heartbeat` route: it holds
 * one workflow run's status, answers `{"status": "<held status>"}` with HTTP 200 whatever the
 * client sent (jobmon's server status wins; an invalid transition is only logged), and answers
 * 400 for bad JSON or a missing `status` or `next_report_increment`, as jobmon's `InvalidUsage`
 * does. Tests script the next answers with `behave()` and change the held status with
 * `setStatus()` (what `set_resume` does to a run).
 */
export async function startJobmonServer(workflowRunId: number, initialStatus = "R") {
  const received: ReceivedRequest[] = [];
  const behaviours: Behaviour[] = [];
  const stalled = new Set<() => void>();
  let status = initialStatus;
  const route = `/api/v3/workflow_run/${workflowRunId}/log_heartbeat`;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const behaviour = behaviours.shift() ?? { kind: "jobmon" };
      const json = (code: number, value: unknown): void => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (behaviour.kind === "stall") {
        stalled.add(() => res.destroy());
        return;
      }
      if (behaviour.kind === "http") {
        res.writeHead(behaviour.status, { "content-type": "text/html" });
        res.end(behaviour.body);
        return;
      }
      if (behaviour.kind === "raw") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(behaviour.body);
        return;
      }
      if (req.method !== "POST" || req.url !== route) {
        json(404, { error: "not found" });
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(body);
      } catch {
        json(400, { error: { exception_type: "InvalidUsage", exception_message: "invalid JSON" } });
        return;
      }
      const fields = data as { status?: unknown; next_report_increment?: unknown } | null;
      if (typeof fields?.status !== "string" || typeof fields.next_report_increment !== "number") {
        json(400, { error: { exception_type: "InvalidUsage", exception_message: "missing status or next_report_increment" } });
        return;
      }
      json(200, { status });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The route prefix to give `createJobmonHttpGateway` as `baseUrl`. */
    baseUrl: `http://127.0.0.1:${port}/api/v3`,
    received,
    behave(...next: Behaviour[]): void {
      behaviours.push(...next);
    },
    setStatus(next: string): void {
      status = next;
    },
    async close(): Promise<void> {
      for (const drop of stalled) drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
