/**
 * Date reading and writing for the wire format. New writes are ISO-8601 UTC
 * (`2026-11-25T16:29:09.123Z`), or pulpo's forms in the pulpo dialect;
 * the reader also takes pulpo's `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD HH:MM:SS.ffffff`
 * (read as UTC; fractions beyond milliseconds are truncated) and epoch milliseconds.
 */

/**
 * Dates outside years 0000-9999 have no plain ISO-8601 form (`+275760-09-13T...`), so they could
 * be read but not written back; the reader and `createMessage` both refuse them.
 */
export const MIN_WIRE_DATE_MS = Date.parse("0000-01-01T00:00:00.000Z");
/** The last millisecond of the year 9999 (see {@link MIN_WIRE_DATE_MS}). */
export const MAX_WIRE_DATE_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** Whether a time (epoch ms) lies in the years 0000-9999, so it survives a write and a read. */
export function isWireDateInRange(ms: number): boolean {
  return ms >= MIN_WIRE_DATE_MS && ms <= MAX_WIRE_DATE_MS;
}

const WIRE_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a wire date; returns `undefined` when the value is not one of the accepted forms or lies
 * outside the years 0000-9999 (in UTC, after applying any offset).
 */
export function parseWireDate(value: unknown): Date | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && isWireDateInRange(value) ? new Date(value) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const m = WIRE_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"));
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const check = new Date(0);
  check.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  check.setUTCHours(Number(h), Number(mi), Number(s), ms);
  const utc = check.getTime();
  // 2026-02-31 rolls over into March; a real calendar date must read back the same.
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  let offsetMs = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  // An offset can carry 0000-01-01 or 9999-12-31 over the edge of the range.
  return isWireDateInRange(utc - offsetMs) ? new Date(utc - offsetMs) : undefined;
}

/** Writes a date the way new messages carry it: ISO-8601 UTC with milliseconds. */
export function formatWireDate(date: Date): string {
  return date.toISOString();
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, Python's `str(datetime)` without the fraction. */
function pulpoSeconds(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * Writes a date as pulpo writes a `delay` (`str(datetime)`): `YYYY-MM-DD HH:MM:SS.ffffff`, UTC.
 * The microseconds are always written, also when they are 0 (where Python leaves them out):
 * pulpo reads a delay with `%Y-%m-%d %H:%M:%S.%f`, which refuses a date without them.
 */
export function formatPulpoDelay(date: Date): string {
  return `${pulpoSeconds(date)}.${String(date.getUTCMilliseconds()).padStart(3, "0")}000`;
}

/**
 * Writes a date as pulpo can read an `expiration`: `YYYY-MM-DD HH:MM:SS`, UTC, rounded down to
 * the second. pulpo reads an expiration with `%Y-%m-%d %H:%M:%S`, which refuses any fraction (its
 * own `str(datetime)` of an expiration with microseconds crashes its `dequeue`); down, because an
 * expiration is the latest start and must never move later.
 */
export function formatPulpoExpiration(date: Date): string {
  return pulpoSeconds(date);
}
