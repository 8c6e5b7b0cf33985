import { randomFillSync } from "node:crypto";

/**
 * UUIDv7 ids with uuid's layout and monotonic sequence, fed from a pool of random bytes.
 * `v7()` with no options asks the platform for 16 random bytes per id, a system call each time;
 * one `randomFillSync` per 256 ids makes most ids free of it, which matters on a queue's hot path.
 * The text is written here from the pool, with the timestamp part kept per millisecond, rather
 * than through `v7()`, which allocates a byte array per id and formats all sixteen bytes.
 */
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;
let lastMs = -Infinity;
let seq = 0;
/** `xxxxxxxx-xxxx-` for {@link lastMs}. */
let prefixMs = Number.NaN;
let prefix = "";

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));
const hex = (byte: number): string => HEX[byte & 0xff] ?? "00";

/** The `time_high-` part of a UUIDv7 of `ms` (48 bits, big-endian, as uuid writes it). */
function timePrefix(ms: number): string {
  return `${hex(ms / 0x10000000000)}${hex(ms / 0x100000000)}${hex(ms / 0x1000000)}${hex(ms / 0x10000)}-${hex(ms / 0x100)}${hex(ms)}-`;
}

/**
 * The text of the UUIDv7 that uuid's `v7({ random, msecs, seq })` returns, from `random[at..at+16]`
 * (only bytes 10 to 15 are used). Exported for the test that holds it to uuid's output.
 */
export function formatUuid7(msecs: number, sequence: number, random: Uint8Array, at = 0): string {
  if (msecs !== prefixMs) {
    prefix = timePrefix(msecs);
    prefixMs = msecs;
  }
  return (
    prefix +
    hex(0x70 | ((sequence >>> 28) & 0x0f)) +
    hex(sequence >>> 20) +
    "-" +
    hex(0x80 | ((sequence >>> 14) & 0x3f)) +
    hex(sequence >>> 6) +
    "-" +
    hex(((sequence << 2) & 0xff) | ((random[at + 10] ?? 0) & 0x03)) +
    hex(random[at + 11] ?? 0) +
    hex(random[at + 12] ?? 0) +
    hex(random[at + 13] ?? 0) +
    hex(random[at + 14] ?? 0) +
    hex(random[at + 15] ?? 0)
  );
}

/** A new UUIDv7: unique, and sorted by creation time within and across milliseconds. */
export function uuid7(now: number = Date.now()): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const at = offset;
  offset += 16;
  // The same rule as uuid's own v7 state: a fresh random sequence each millisecond, +1 within it,
  // and a carry into the timestamp if the sequence wraps, so ids never go backwards.
  if (now > lastMs) {
    seq = (((POOL[at + 6] ?? 0) & 0x7f) << 24) | ((POOL[at + 7] ?? 0) << 16) | ((POOL[at + 8] ?? 0) << 8) | (POOL[at + 9] ?? 0);
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return formatUuid7(lastMs, seq, POOL, at);
}
