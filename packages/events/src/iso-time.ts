/**
 * Dates on the wire in the forms walnats (Python's `isoformat()`) and `@x/events` write, so a
 * time survives the trip both ways.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?$/;

/**
 * Parses an ISO-8601 / RFC 3339 date or date-time into a `Date`, or `undefined` when the text is
 * not one. Accepts what Python's `isoformat()` writes (`2024-01-02T03:04:05.678901+00:00`, a
 * naive `2024-01-02T03:04:05`, a date `2024-01-02`) and `toISOString()`'s `...Z`. A time without
 * an offset is read as UTC, never as this machine's zone: walnats' naive times are UTC on the
 * servers it runs on, and reading them as local time would shift them by the reader's zone.
 * Fractions beyond milliseconds are truncated (a `Date` holds ms).
 */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", offset] = match;
  const ms = Number(fraction.slice(0, 3).padEnd(3, "0"));
  let epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (offset !== undefined && offset.toUpperCase() !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const digits = offset.slice(1).replaceAll(":", "");
    const offsetMs = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000 + Number(digits.slice(4) || "0") * 1_000;
    epoch -= sign * offsetMs;
  }
  const date = new Date(epoch);
  // Rejects what Date.UTC silently rolls over (month 13, February 30th, hour 25).
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (
    Number.isNaN(epoch) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  )
    return undefined;
  return date;
}

/**
 * A `Date` as Python's `datetime.isoformat()` writes an aware UTC time:
 * `2024-01-02T03:04:05.678000+00:00`, or without the fraction on a whole second. Every Python
 * `fromisoformat()` since 3.7 reads it (the `Z` of `toISOString()` only since 3.11), and it is
 * valid RFC 3339, as CloudEvents' `time` requires.
 */
export function formatPythonIsoTime(date: Date): string {
  const iso = date.toISOString(); // 2024-01-02T03:04:05.678Z
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms === 0 ? "" : `.${String(ms).padStart(3, "0")}000`}+00:00`;
}
