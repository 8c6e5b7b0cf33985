import { createMessage, decode, InvalidMessageError, type Message, QueueError } from "@x/message";

/** Which producer's format a job body was in. */
export type BodyFormat = "message" | "pulpo-without-id" | "fivebeans";

/** What a job body turned out to be. */
export type BodyReading =
  | { readonly kind: "message"; readonly format: BodyFormat; readonly message: Message }
  | { readonly kind: "foreign"; readonly reason: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(["type", "payload"]);

/** fivebeans' worker format: `{"type": "<handler>", "payload": <anything>}` and nothing else. */
function isFivebeansEnvelope(value: unknown): value is { type: string; payload?: unknown } {
  return (
    isObject(value) && typeof value.type === "string" && value.type.length > 0 && Object.keys(value).every((key) => ENVELOPE_KEYS.has(key))
  );
}

/** A pulpo message whose producer left the id out (pulpo's beanstalk adapter does). */
function isMessageWithoutId(value: unknown): value is Record<string, unknown> {
  return isObject(value) && value.id === undefined && ("header" in value || "body" in value);
}

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads a job body put by anyone: our own messages (and pulpo's, same wire format); pulpo
 * messages without an id; and fivebeans' worker envelope `{type, payload}`, read as request
 * type + payload. The message id is always the beanstalkd job id. Anything else is `foreign`,
 * with the reason. Never throws for bad input.
 */
export function readJobBody(jobId: number, body: Buffer): BodyReading {
  const id = String(jobId);
  let first: InvalidMessageError;
  try {
    // The server already bounds the size (max-job-size); decode's own default limit must not cut in.
    const decoded = decode(body, { maxBytes: body.length });
    return { kind: "message", format: "message", message: { id, header: decoded.header, body: decoded.body } };
  } catch (err) {
    if (!(err instanceof InvalidMessageError)) throw err;
    first = err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return { kind: "foreign", reason: first.message };
  }
  try {
    if (isFivebeansEnvelope(parsed)) {
      const message = createMessage({ requestType: parsed.type, ...(parsed.payload === undefined ? {} : { payload: parsed.payload }) });
      return { kind: "message", format: "fivebeans", message: { ...message, id } };
    }
    if (isMessageWithoutId(parsed)) {
      return { kind: "message", format: "pulpo-without-id", message: decode(JSON.stringify({ ...parsed, id })) };
    }
  } catch (err) {
    if (!(err instanceof QueueError)) throw err;
    return { kind: "foreign", reason: why(err) };
  }
  return { kind: "foreign", reason: `${first.message} (and not a fivebeans {type, payload} envelope)` };
}
