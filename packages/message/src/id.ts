import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

/**
 * UUIDv7 ids with uuid's layout and monotonic sequence, fed from a pool of random bytes.
 * `v7()` with no options asks the platform for 16 random bytes per id, a system call each time;
 * one `randomFillSync` per 256 ids makes most ids free of it, which matters on a queue's hot path.
 */
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;
let lastMs = -Infinity;
let seq = 0;

function randomBytes16(): Buffer {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  offset += 16;
  return POOL.subarray(offset - 16, offset);
}

/** A new UUIDv7: unique, and sorted by creation time within and across milliseconds. */
export function uuid7(now: number = Date.now()): string {
  const random = randomBytes16();
  // The same rule as uuid's own v7 state: a fresh random sequence each millisecond, +1 within it,
  // and a carry into the timestamp if the sequence wraps, so ids never go backwards.
  if (now > lastMs) {
    seq = (((random[6] ?? 0) & 0x7f) << 24) | ((random[7] ?? 0) << 16) | ((random[8] ?? 0) << 8) | (random[9] ?? 0);
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return v7({ random, msecs: lastMs, seq });
}
