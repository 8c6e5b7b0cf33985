import { createHash, timingSafeEqual } from "node:crypto";
import { InvalidOptionError } from "@x/core";

/** How the page asks for credentials: a bearer token, a user and password, or nothing (`custom`: your hook reads a cookie or a header your proxy sets). */
export type AuthScheme = "bearer" | "basic" | "custom";

/**
 * Decides whether a request may run an action. The dashboard calls it for every state-changing
 * request, after the cross-site checks.
 */
export interface ActionAuth {
  /** What the page asks the operator for. */
  readonly scheme: AuthScheme;
  /** `true` lets the action run; `false` answers 401. A hook that throws answers 401 too. */
  authorize(request: Request): boolean | Promise<boolean>;
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(createHash("sha256").update(given).digest(), expected);
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * Actions need `Authorization: Bearer <token>`. The page asks for the token once and keeps it
 * in the tab's `sessionStorage`.
 */
export function tokenAuth(token: string): ActionAuth {
  if (typeof token !== "string" || token.length < 8)
    throw new InvalidOptionError("token", undefined, "must be a string of at least 8 characters");
  const expected = digest(token);
  return {
    scheme: "bearer",
    authorize(request) {
      const header = request.headers.get("authorization") ?? "";
      const match = /^Bearer (.+)$/i.exec(header);
      return match?.[1] !== undefined && sameSecret(match[1], expected);
    },
  };
}

/** Credentials of {@link basicAuth}. */
export interface BasicAuthCredentials {
  readonly username: string;
  readonly password: string;
}

/** Actions need `Authorization: Basic ...` with this user and password. */
export function basicAuth(credentials: BasicAuthCredentials): ActionAuth {
  const { username, password } = credentials;
  if (typeof username !== "string" || username.length === 0 || username.includes(":")) {
    throw new InvalidOptionError("username", username, "must be a non-empty string without ':'");
  }
  if (typeof password !== "string" || password.length < 8)
    throw new InvalidOptionError("password", undefined, "must be a string of at least 8 characters");
  const expected = digest(`${username}:${password}`);
  return {
    scheme: "basic",
    authorize(request) {
      const header = request.headers.get("authorization") ?? "";
      const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
      if (match?.[1] === undefined) return false;
      return sameSecret(Buffer.from(match[1], "base64").toString("utf8"), expected);
    },
  };
}
