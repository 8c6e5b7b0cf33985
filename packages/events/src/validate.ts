import { InvalidPayloadError, type PayloadIssue } from "./errors.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

const pathOf = (issue: StandardSchemaV1.Issue): string =>
  (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");

const unwrap = <Output>(event: string, result: StandardSchemaV1.Result<Output>): Output => {
  if (result.issues !== undefined) {
    const issues: PayloadIssue[] = result.issues.map((issue) => ({ message: issue.message, path: pathOf(issue) }));
    throw new InvalidPayloadError(event, issues);
  }
  return result.value;
};

/**
 * Validates a value with a Standard Schema and returns the schema's output, or throws
 * {@link InvalidPayloadError} listing every issue. Stays synchronous for synchronous schemas
 * (the hot path of every received event); async schemas give a promise.
 */
export function validatePayload<Output>(
  event: string,
  schema: StandardSchemaV1<unknown, Output>,
  value: unknown,
): Output | Promise<Output> {
  const result = schema["~standard"].validate(value);
  return result instanceof Promise ? result.then((r) => unwrap(event, r)) : unwrap(event, result);
}
