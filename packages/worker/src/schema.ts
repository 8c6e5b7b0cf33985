import { InvalidOptionError } from "@x/core";
import type { PayloadIssue } from "./errors.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** What checking a payload gave: the schema's output, or the issues it found. */
export type Validation = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly PayloadIssue[] };

const pathOf = (issue: StandardSchemaV1.Issue): string =>
  (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");

function toValidation(result: StandardSchemaV1.Result<unknown>): Validation {
  if (result.issues !== undefined)
    return { ok: false, issues: result.issues.map((issue) => ({ path: pathOf(issue), message: issue.message })) };
  return { ok: true, value: result.value };
}

/**
 * Checks `value` with a Standard Schema. Stays synchronous for synchronous schemas (every job of a
 * typed request type goes through it); an async schema gives a promise. A schema that throws
 * throws (or rejects): what that means is the caller's decision.
 */
export function validate(schema: StandardSchemaV1, value: unknown): Validation | Promise<Validation> {
  const result = schema["~standard"].validate(value);
  return result instanceof Promise ? result.then(toValidation) : toValidation(result);
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props: unknown = (value as Record<string, unknown>)["~standard"];
  return typeof props === "object" && props !== null && typeof (props as Record<string, unknown>).validate === "function";
}

/** The `schema` of a job definition or producer, checked to be a Standard Schema. */
export function schemaOption(option: string, value: unknown): StandardSchemaV1 | undefined {
  if (value === undefined) return undefined;
  if (!isStandardSchema(value)) {
    throw new InvalidOptionError(option, value, "must be a Standard Schema (zod, valibot, arktype...) with a ~standard.validate function");
  }
  return value;
}
