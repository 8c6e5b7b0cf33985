import { systemTime } from "@x/core";
import { vi } from "vitest";
import type { FileQueueTimeSource } from "../../src/index.js";

/** A wall clock that tests step both ways and a monotonic clock that only tests move. */
export interface SteppingClock {
  readonly time: FileQueueTimeSource;
  /** Steps the wall clock (an NTP step, a VM resume, a manual fix); the monotonic clock does not move. */
  readonly stepWall: (ms: number) => void;
  /** Lets time pass: both clocks move. */
  readonly elapse: (ms: number) => void;
}

/**
 * Simulates steps of the machine's wall clock: `Date.now()` (spied, so that any wall-clock read
 * in the package follows) and the time source's `wallNow()` are the real time plus an offset the test
 * steps; file times are mapped through the offset in effect when the file changed, as the
 * kernel's clock would have stamped them. The monotonic clock (`now()`) moves only when the
 * test says (`elapse`); timers are real. Call `vi.restoreAllMocks()` after the test.
 */
/** Real time kept on either side of a step. */
const MARGIN_MS = 15;

export function steppingClock(): SteppingClock {
  // The kernel's clock, which stamps file times.
  const realNow = Date.now.bind(Date);
  /** Offsets in force from a real time on, newest last. */
  const offsets: { from: number; offset: number }[] = [{ from: -Infinity, offset: 0 }];
  let offset = 0;
  let mono = 1_000;
  const wall = (): number => realNow() + offset;
  vi.spyOn(Date, "now").mockImplementation(wall);
  // The kernel stamps file times with a coarse clock, a tick (4 ms at 250 Hz) and more behind
  // `Date.now()` (5.4 ms seen on a 250 Hz VM): a step keeps 15 ms of real time on either side, so
  // every file time maps to one offset.
  const spinUntil = (time: number): void => {
    while (realNow() < time) {
      // busy: the steps are synchronous, as a clock step is for the process
    }
  };
  const setOffset = (next: number): void => {
    spinUntil(realNow() + MARGIN_MS);
    const from = realNow();
    offset = next;
    offsets.push({ from, offset });
    spinUntil(from + MARGIN_MS);
  };
  return {
    time: {
      ...systemTime,
      now: () => mono,
      wallNow: wall,
      fromFileTime: (ms) => ms + (offsets.findLast((entry) => entry.from <= ms)?.offset ?? 0),
    },
    stepWall: (ms) => {
      setOffset(offset + ms);
    },
    elapse: (ms) => {
      mono += ms;
      setOffset(offset + ms);
    },
  };
}
