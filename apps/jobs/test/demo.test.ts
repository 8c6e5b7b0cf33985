import { fileURLToPath } from "node:url";
import { runTs } from "@x/test-servers";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("apps/jobs: the main job", () => {
  it("runs producer and worker on the file queue, with heartbeats, and ends with the expected summary", async () => {
    const { code, stdout, stderr } = await runTs(MAIN);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^producer: 9 jobs in \S+x-jobs-demo-/);
    expect(lines.at(-1)).toMatch(
      /^summary: 7 succeeded \(2 after retries\), 4 retries, 1 buried, 1 expired, 0 errors in [\d.]+ s; queue: 0 ready, 0 delayed, 0 reserved, 2 buried$/,
    );
    expect(lines).toContain("heartbeat.jobs.demo start/5");
    expect(lines).toContain("heartbeat.jobs.demo beat/1");
    expect(lines.at(-2)).toBe("heartbeat.jobs.demo stop");
    expect(lines).toContain("buried    charge_card: FatalError: card declined (4200 cents)");
    expect(lines).toContain("expired   flash_sale (buried)");
    expect(lines.filter((l) => l === "succeeded resize_image (attempt 3)")).toHaveLength(2);
    expect(lines).toContain("  reminder sent to ada@example.com");
    expect(stdout).not.toContain("never printed");
    expect(stderr).toBe("");
  });
});
