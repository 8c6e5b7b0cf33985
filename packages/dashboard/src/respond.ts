import { ConnectionError, InvalidArgumentError, QueueClosedError, TimeoutError, UnsupportedOperationError } from "@x/message";
import { DashboardError, SourceUnavailableError } from "./errors.js";

/** Headers on every answer: no caching of live data, no sniffing, no framing, no referrer. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/** The page may load and talk to nothing but its own origin: no inline script, no CDN. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { ...COMMON_HEADERS, "content-type": "application/json; charset=utf-8" } });
}

/** The JSON answer for a failed request, and whether it is the server's fault (to be logged). */
export function errorResponse(error: unknown): { response: Response; unexpected: boolean } {
  if (error instanceof ConnectionError || error instanceof QueueClosedError || error instanceof TimeoutError) {
    return errorResponse(new SourceUnavailableError("the queue", error));
  }
  if (error instanceof DashboardError) {
    const response = json({ error: { code: error.code, message: error.message } }, error.status);
    if (error.status === 401) response.headers.set("www-authenticate", 'Bearer realm="dashboard"');
    return { response, unexpected: false };
  }
  if (error instanceof InvalidArgumentError)
    return { response: json({ error: { code: error.code, message: error.message } }, 400), unexpected: false };
  if (error instanceof UnsupportedOperationError)
    return { response: json({ error: { code: error.code, message: error.message } }, 501), unexpected: false };
  return {
    response: json({ error: { code: "ERR_X_DASHBOARD_INTERNAL", message: "the request failed on the server; see its log" } }, 500),
    unexpected: true,
  };
}
