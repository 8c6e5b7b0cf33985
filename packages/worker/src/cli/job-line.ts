/**
 * One line of `x-queue put --from`: a JSON object naming a job in `MessageInit`'s words. The
 * README documents the fields; an unknown field is refused (a typo would otherwise be dropped).
 */
import { type MessageInit, parseWireDate } from "@x/message";
import { JobLineError } from "../errors.js";

/** The fields a job line may have. `type` and `requestType` are the same field; give one. */
export const JOB_LINE_FIELDS = [
  "id",
  "type",
  "requestType",
  "payload",
  "priority",
  "delayMs",
  "delay",
  "expiresInMs",
  "expiration",
  "attempts",
  "header",
  "body",
] as const;

const KNOWN: ReadonlySet<string> = new Set(JOB_LINE_FIELDS);

/** Why a line is not a job; {@link parseJobLine} turns it into a `JobLineError` with the line number. */
class Problem extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function dateField(line: Record<string, unknown>, name: string): Date | undefined {
  const value = line[name];
  if (value === undefined) return undefined;
  const date = parseWireDate(value);
  if (date === undefined) throw new Problem(`\`${name}\` must be an ISO-8601 date or epoch ms, got ${JSON.stringify(value)}`);
  return date;
}

function typed(line: Record<string, unknown>, name: string, type: "string" | "number" | "object"): unknown {
  const value = line[name];
  if (value === undefined) return undefined;
  if (type === "object" ? !isObject(value) : typeof value !== type)
    throw new Problem(`\`${name}\` must be ${type === "object" ? "an object" : `a ${type}`}`);
  return value;
}

/**
 * The job one line describes. The message's own checks (priority range, reserved header keys,
 * id pattern) run when it is enqueued, so they report the same way for every adapter.
 * @throws JobLineError (with `lineNumber`) when the line is not a JSON object of the known fields.
 */
export function parseJobLine(text: string, lineNumber: number, defaultHeader: Readonly<Record<string, unknown>>): MessageInit {
  try {
    return jobOf(text, defaultHeader);
  } catch (error) {
    if (error instanceof Problem) throw new JobLineError(lineNumber, error.message);
    throw error;
  }
}

function jobOf(text: string, defaultHeader: Readonly<Record<string, unknown>>): MessageInit {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch (error) {
    throw new Problem(`not JSON: ${(error as Error).message}`);
  }
  if (!isObject(line)) throw new Problem("must be a JSON object, one job per line");
  const unknown = Object.keys(line).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) {
    throw new Problem(
      `unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => JSON.stringify(k)).join(", ")}; the fields are ${JOB_LINE_FIELDS.join(", ")}`,
    );
  }
  if (line.type !== undefined && line.requestType !== undefined) throw new Problem("give `type` or `requestType`, not both");
  const requestType = (typed(line, "type", "string") ?? typed(line, "requestType", "string")) as string | undefined;
  const id = typed(line, "id", "string") as string | undefined;
  const priority = typed(line, "priority", "number") as number | undefined;
  const delayMs = typed(line, "delayMs", "number") as number | undefined;
  const expiresInMs = typed(line, "expiresInMs", "number") as number | undefined;
  const attempts = typed(line, "attempts", "number") as number | undefined;
  const header = typed(line, "header", "object") as Record<string, unknown> | undefined;
  const body = typed(line, "body", "object") as Record<string, unknown> | undefined;
  const delay = dateField(line, "delay");
  const expiration = dateField(line, "expiration");
  return {
    ...(id === undefined ? {} : { id }),
    ...(requestType === undefined ? {} : { requestType }),
    ...("payload" in line ? { payload: line.payload } : {}),
    ...(priority === undefined ? {} : { priority }),
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(delay === undefined ? {} : { delay }),
    ...(expiresInMs === undefined ? {} : { expiresInMs }),
    ...(expiration === undefined ? {} : { expiration }),
    ...(attempts === undefined ? {} : { attempts }),
    header: { ...defaultHeader, ...header },
    ...(body === undefined ? {} : { body }),
  };
}
