import { describe, expect, it } from "vitest";
import { parseServerStats } from "./stats.js";

const body = (lines: string[]): Buffer => Buffer.from(`---\n${lines.join("\n")}\n`);

describe("parseServerStats", () => {
  it("names the server run by its random id, else by its pid (a container's server is always pid 1)", () => {
    const base = ["max-job-size: 65535", "total-jobs: 12", "pid: 1", 'version: "1.12"'];
    expect(parseServerStats(body([...base, "id: d52bc8f8ed9699b9"]))).toMatchObject({
      instance: "d52bc8f8ed9699b9",
      totalJobs: 12,
      version: "1.12",
    });
    expect(parseServerStats(body(base)).instance).toBe("pid:1");
  });
});
