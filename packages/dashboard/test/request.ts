import type { Dashboard } from "../src/index.js";

/** Options of {@link call}. */
export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Sends the action header and a bearer token: what the page sends. */
  readonly token?: string;
}

/** One request to the handler, as the page (or an attacker) would send it. */
export function call(dashboard: Dashboard, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { host: "dash.test", ...options.headers };
  if (options.token !== undefined) {
    headers["x-dashboard-action"] = "1";
    headers.authorization = `Bearer ${options.token}`;
  }
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return dashboard.fetch(
    new Request(`http://dash.test${path}`, {
      method: options.method ?? (options.token === undefined ? "GET" : "POST"),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
  );
}

/** The JSON body of a response, checked to have the status expected. */
export async function jsonOf<T = Record<string, unknown>>(response: Response | Promise<Response>, status = 200): Promise<T> {
  const res = await response;
  const body = (await res.json()) as T;
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${JSON.stringify(body)}`);
  return body;
}
