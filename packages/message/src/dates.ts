/**
 * Date reading for the wire format. New writes are ISO-8601 UTC (`2026-11-25T16:29:09.123Z`);
 * the reader also takes pulpo's `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD HH:MM:SS.ffffff`
 * (read as UTC; fractions beyond milliseconds are truncated) and epoch milliseconds.
 */

const WIRE_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a wire date; returns `undefined` when the value is not one of the accepted forms. */
export function parseWireDate(value: unknown): Date | undefined {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) return undefined;
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
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
  const date = new Date(utc - offsetMs);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Writes a date the way new messages carry it: ISO-8601 UTC with milliseconds. */
export function formatWireDate(date: Date): string {
  return date.toISOString();
}
