import { describeValue, InvalidOptionError } from "@x/core";
import { GatewayError, GatewayHttpError, GatewayResponseError, GatewayTimeoutError } from "./errors.js";
import { checkOptions, DEFAULT_JOBMON_TIMEOUT_MS, positiveDurationMs } from "./options.js";
import type { HeartbeatGateway, HeartbeatRequest, HeartbeatResponse } from "./service.js";

const GATEWAY_OPTIONS = ["baseUrl", "workflowRunId", "timeoutMs", "headers", "fetch"];
/** How much of an error answer's body an error keeps: enough for a log line. */
const MAX_ERROR_BODY = 200;

/** Options of {@link createJobmonHttpGateway}. */
export interface JobmonHttpGatewayOptions {
  /**
   * The jobmon server's URL with its route prefix: what jobmon's `Requester` puts before
   * `/workflow_run/...`. Required: an `http:` or `https:` URL.
   */
  readonly baseUrl: string | URL;
  /** The workflow run's id (jobmon's `workflow_run_id`). Required: an integer >= 0 or a non-empty string. */
  readonly workflowRunId: number | string;
  /**
   * Milliseconds one POST may take before it is aborted with `GatewayTimeoutError`. The service's
   * own `requestTimeoutMs` applies as well; the shorter wins.
   * @default 10000
   */
  readonly timeoutMs?: number;
  /** Extra request headers (an auth token, say). `content-type` and `accept` are always JSON. @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. @default the global `fetch` of Node */
  readonly fetch?: typeof fetch;
}

/**
 * A {@link HeartbeatGateway} that speaks jobmon's REST call: `POST {baseUrl}/workflow_run/{id}/log_heartbeat`
 * with the JSON body `{"status": "R", "next_report_increment": 45}`, reading the server's
 * `{"status": "C"}` back. Failures are typed: `GatewayHttpError` for a status outside 2xx,
 * `GatewayResponseError` for a body that is not JSON with a string `status`,
 * `GatewayTimeoutError` after `timeoutMs`, `GatewayError` for a network failure (the fetch
 * error is its `cause`). It does not retry: the service's `run()` does, with its backoff.
 */
export function createJobmonHttpGateway(options: JobmonHttpGatewayOptions): HeartbeatGateway {
  checkOptions(options, GATEWAY_OPTIONS, "createJobmonHttpGateway", true);
  const url = heartbeatUrl(options.baseUrl, options.workflowRunId);
  const timeoutMs = options.timeoutMs === undefined ? DEFAULT_JOBMON_TIMEOUT_MS : positiveDurationMs("timeoutMs", options.timeoutMs);
  const headers = headersOption(options.headers);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") throw new InvalidOptionError("fetch", fetchFn, "must be a fetch function");

  return {
    async logHeartbeat(request: HeartbeatRequest, { signal }: { readonly signal: AbortSignal }): Promise<HeartbeatResponse> {
      const timeout = AbortSignal.timeout(timeoutMs);
      const body = JSON.stringify({ status: request.status, next_report_increment: request.nextReportIncrement });
      let response: Response;
      let text: string;
      try {
        response = await fetchFn(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json", accept: "application/json" },
          body,
          signal: AbortSignal.any([signal, timeout]),
        });
        text = await response.text();
      } catch (error) {
        if (timeout.aborted && !signal.aborted) throw new GatewayTimeoutError(timeoutMs, { cause: error });
        throw new GatewayError(`heartbeat POST ${url} failed: ${describeValue(error)}`, { cause: error });
      }
      if (!response.ok) throw new GatewayHttpError(url, response.status, text.slice(0, MAX_ERROR_BODY));
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new GatewayResponseError(`heartbeat POST ${url} answered ${response.status} with a body that is not JSON`, { cause: error });
      }
      const status = typeof parsed === "object" && parsed !== null ? (parsed as { status?: unknown }).status : undefined;
      if (typeof status !== "string") {
        throw new GatewayResponseError(`heartbeat POST ${url} answered without a string "status"`);
      }
      return { status };
    },
  };
}

function heartbeatUrl(baseUrl: unknown, workflowRunId: unknown): string {
  let base: URL;
  try {
    if (typeof baseUrl !== "string" && !(baseUrl instanceof URL)) throw new TypeError("not a string");
    base = new URL(baseUrl);
  } catch {
    throw new InvalidOptionError("baseUrl", baseUrl, "must be an http: or https: URL");
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new InvalidOptionError("baseUrl", baseUrl, "must be an http: or https: URL");
  }
  const id =
    typeof workflowRunId === "number" && Number.isSafeInteger(workflowRunId) && workflowRunId >= 0
      ? String(workflowRunId)
      : typeof workflowRunId === "string" && workflowRunId.length > 0
        ? workflowRunId
        : undefined;
  if (id === undefined) throw new InvalidOptionError("workflowRunId", workflowRunId, "must be an integer >= 0 or a non-empty string");
  const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
  base.pathname = `${prefix}workflow_run/${encodeURIComponent(id)}/log_heartbeat`;
  return base.href;
}

function headersOption(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError("headers", value, "must be an object of header names to strings");
  }
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== "string") throw new InvalidOptionError("headers", value, `header ${JSON.stringify(name)} must be a string`);
  }
  return { ...(value as Record<string, string>) };
}
