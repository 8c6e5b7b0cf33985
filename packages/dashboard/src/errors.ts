import { XError } from "@x/core";

/** Codes of {@link DashboardError} and its subclasses. */
export type DashboardErrorCode =
  | "ERR_X_DASHBOARD_BAD_REQUEST"
  | "ERR_X_DASHBOARD_NOT_FOUND"
  | "ERR_X_DASHBOARD_UNAUTHORIZED"
  | "ERR_X_DASHBOARD_FORBIDDEN"
  | "ERR_X_DASHBOARD_READ_ONLY"
  | "ERR_X_DASHBOARD_UNSUPPORTED"
  | "ERR_X_DASHBOARD_SOURCE_UNAVAILABLE";

/**
 * Base class of the dashboard's errors. Each one is also an HTTP answer: the API replies with
 * `status` and `{ "error": { "code", "message" } }`.
 */
export class DashboardError extends XError {
  /** The HTTP status the API answers with. */
  readonly status: number;

  constructor(code: DashboardErrorCode, status: number, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.status = status;
  }
}

/** A request the API cannot read: a bad query parameter or body field, named in the message. */
export class BadRequestError extends DashboardError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_DASHBOARD_BAD_REQUEST", 400, message, options);
  }
}

/** No such route, queue, job or dead letter. */
export class NotFoundError extends DashboardError {
  constructor(message: string) {
    super("ERR_X_DASHBOARD_NOT_FOUND", 404, message);
  }
}

/** An action without valid credentials. */
export class UnauthorizedError extends DashboardError {
  constructor(message: string) {
    super("ERR_X_DASHBOARD_UNAUTHORIZED", 401, message);
  }
}

/** A state-changing request that may come from another site (no custom header, foreign origin). */
export class ForbiddenError extends DashboardError {
  constructor(message: string) {
    super("ERR_X_DASHBOARD_FORBIDDEN", 403, message);
  }
}

/** An action on a dashboard created without `actions`. */
export class ReadOnlyError extends DashboardError {
  constructor() {
    super("ERR_X_DASHBOARD_READ_ONLY", 403, "actions are disabled: the dashboard was created without the `actions` option");
  }
}

/** The source cannot do this (a queue without `list`, `bulk` or `pause`; no NATS connection). */
export class UnsupportedError extends DashboardError {
  constructor(message: string) {
    super("ERR_X_DASHBOARD_UNSUPPORTED", 501, message);
  }
}

/** A source did not answer: the NATS server is away, a queue's backend is down. The cause is kept. */
export class SourceUnavailableError extends DashboardError {
  constructor(source: string, cause: unknown) {
    super(
      "ERR_X_DASHBOARD_SOURCE_UNAVAILABLE",
      503,
      `${source} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
