import { describe, expect, it } from "vitest";
import { processCpuMicros } from "./process-cpu.js";

describe("processCpuMicros", () => {
  it("reads this process's CPU time, which grows as it works", () => {
    const before = processCpuMicros(process.pid);
    let spin = 0;
    const until = process.cpuUsage().user + 50_000;
    while (process.cpuUsage().user < until) spin++;
    const after = processCpuMicros(process.pid);
    expect(spin).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(before);
    // /proc counts in clock ticks: agree with cpuUsage() within a few ticks.
    const { user, system } = process.cpuUsage();
    expect(Math.abs(after - (user + system))).toBeLessThan(100_000);
  });

  it("names the missing process", () => {
    expect(() => processCpuMicros(2 ** 22 + 7)).toThrow(/ENOENT/);
  });
});
