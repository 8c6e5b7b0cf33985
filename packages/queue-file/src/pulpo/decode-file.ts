import { decode, InvalidMessageError, type Message } from "@x/message";

/** How pulpo's naive dates (`datetime.now()`, no zone) are read. */
export type PulpoTimeZone = "utc" | "local";

/** pulpo's `str(datetime)`: no zone, so its meaning depends on the clock of the machine that wrote it. */
const NAIVE_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The same wall-clock reading (decoded as UTC) taken in this machine's time zone instead. */
function asLocal(date: Date): Date {
  return new Date(
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
}

/**
 * Reads one pulpo job file. The id is the file's name (pulpo finds a job by its file name); a
 * file without an `id` field gets it, and one whose `id` differs from its name is refused, since
 * pulpo itself could not commit or roll it back.
 * @throws InvalidMessageError naming the problem.
 */
export function decodePulpoFile(text: string, idFromName: string, timeZone: PulpoTimeZone): Message {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidMessageError(undefined, `not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(raw)) throw new InvalidMessageError(undefined, "must be a JSON object");
  const rawId = raw.id;
  // pulpo accepted an integer id and named the file after it.
  const id = typeof rawId === "number" ? String(rawId) : rawId;
  if (id !== undefined && id !== idFromName) {
    throw new InvalidMessageError("id", `${JSON.stringify(rawId)} differs from the file name's ${JSON.stringify(idFromName)}`);
  }
  // Through decode() in every case: its checks (forbidden keys, limits, types) are the ones
  // every other reader of a message applies.
  const message = decode(rawId === undefined ? JSON.stringify({ ...raw, id: idFromName }) : text);
  if (timeZone === "utc") return message;
  const rawHeader = isObject(raw.header) ? raw.header : {};
  const local: { delay?: Date; expiration?: Date } = {};
  for (const key of ["delay", "expiration"] as const) {
    const value = rawHeader[key];
    const date = message.header[key];
    if (date !== undefined && typeof value === "string" && NAIVE_DATE.test(value)) local[key] = asLocal(date);
  }
  return { ...message, header: { ...message.header, ...local } };
}
