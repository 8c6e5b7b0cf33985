import { afterEach, describe, expect, it, vi } from "vitest";
import { isSoak, printFaultReport, soakScale } from "../src/index.js";

describe("fault-suite helpers", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("scales by X_TEST_SOAK", () => {
    vi.stubEnv("X_TEST_SOAK", "");
    expect(isSoak()).toBe(false);
    expect(soakScale(2, 50)).toBe(2);
    vi.stubEnv("X_TEST_SOAK", "1");
    expect(isSoak()).toBe(true);
    expect(soakScale(2, 50)).toBe(50);
  });

  it("prints one greppable JSON line per scenario", () => {
    vi.stubEnv("X_TEST_SOAK", "");
    const write = vi.spyOn(process.stdout, "write").mockReturnValue(true);
    printFaultReport({ scenario: "kill -9", confirmed: 10, handled: 10, lost: 0, duplicated: 1, outageMs: 300 });
    expect(write).toHaveBeenCalledWith(
      'fault-report {"soak":false,"scenario":"kill -9","confirmed":10,"handled":10,"lost":0,"duplicated":1,"outageMs":300}\n',
    );
  });
});
