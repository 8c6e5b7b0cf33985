import type { ActionAuth } from "./auth.js";
import { ForbiddenError, ReadOnlyError, UnauthorizedError } from "./errors.js";

/** The header every state-changing request must carry; a cross-site form or image cannot set it. */
export const ACTION_HEADER = "x-dashboard-action";

/**
 * Throws unless a state-changing request is same-origin and authorized. The custom header makes
 * a cross-site `fetch` need a CORS preflight, which the dashboard never grants; `Origin` and
 * `Sec-Fetch-Site`, when the browser sends them, must say the request comes from this origin.
 */
export async function guardAction(request: Request, auth: ActionAuth | undefined): Promise<void> {
  if (auth === undefined) throw new ReadOnlyError();
  if (request.method !== "POST") throw new ForbiddenError(`actions are POST requests, not ${request.method}`);
  if (request.headers.get(ACTION_HEADER) !== "1") throw new ForbiddenError(`actions need the header ${ACTION_HEADER}: 1`);
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none")
    throw new ForbiddenError(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  const origin = request.headers.get("origin");
  if (origin !== null && !sameHost(origin, request)) throw new ForbiddenError(`cross-origin request refused (Origin: ${origin})`);
  let allowed: boolean;
  try {
    allowed = await auth.authorize(request);
  } catch {
    allowed = false;
  }
  if (!allowed) throw new UnauthorizedError("actions need valid credentials");
}

/** Whether `origin` names the host the request was sent to (behind a proxy, the Host header it kept). */
function sameHost(origin: string, request: Request): boolean {
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const host = request.headers.get("host") ?? new URL(request.url).host;
  return originHost === host;
}
