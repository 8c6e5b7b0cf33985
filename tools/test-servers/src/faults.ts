/**
 * Shared vocabulary of the fault suite: every scenario reports the same counts, and the same
 * test files run short in the test command and long under `pnpm soak` (X_TEST_SOAK=1).
 */

/** What a fault scenario counts. `lost` must be 0 wherever a README promises it. */
export interface FaultReport {
  readonly scenario: string;
  /** Work the system confirmed (an enqueue or emit that resolved). */
  readonly confirmed: number;
  /** Confirmed work that was handled at least once. */
  readonly handled: number;
  /** Confirmed work never handled. */
  readonly lost: number;
  /** Extra deliveries of work already handled. */
  readonly duplicated: number;
  /** Anything else worth printing: inputs, rejected, outage length in ms, ... */
  readonly [extra: string]: string | number;
}

/** Prints one line per scenario, easy to grep in CI logs: `fault-report {json}`. */
export function printFaultReport(report: FaultReport): void {
  process.stdout.write(`fault-report ${JSON.stringify({ soak: isSoak(), ...report })}\n`);
}

/** True under `pnpm soak`: scenarios run longer, with more inputs. */
export function isSoak(): boolean {
  return process.env.X_TEST_SOAK === "1";
}

/** `short` in the test command, `long` under `pnpm soak`. */
export function soakScale<T>(short: T, long: T): T {
  return isSoak() ? long : short;
}
