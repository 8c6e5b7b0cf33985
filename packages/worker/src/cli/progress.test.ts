import { describe, expect, it } from "vitest";
import { LOAD_LINE_EVERY, loadProgress } from "./progress.js";

const stream = (isTTY: boolean) => {
  const out = { text: "", isTTY, write: (chunk: string) => (out.text += chunk) };
  return out;
};
const state = (lines: number, bytes: number, failed = 0) => ({ lines, stored: lines - failed, failed, bytes });

describe("loadProgress", () => {
  it("elsewhere than a terminal: a line at each 10 % of a file, and a final one", () => {
    const out = stream(false);
    const report = loadProgress(out, "put", 1_000);
    for (let bytes = 100; bytes <= 1_000; bytes += 50) report.update(state(bytes / 10, bytes));
    report.finish(state(100, 1_000, 2));
    const lines = out.text.trim().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe("put: 10% (10 stored, 0 failed)");
    expect(lines[9]).toBe("put: 100% (100 stored, 0 failed)");
    expect(lines[10]).toBe("put: done (98 stored, 2 failed)");
  });

  it("stdin (no size): a line every LOAD_LINE_EVERY lines", () => {
    const out = stream(false);
    const report = loadProgress(out, "put", undefined);
    for (let lines = 500; lines <= 3 * LOAD_LINE_EVERY; lines += 500) report.update(state(lines, 0));
    expect(out.text).toBe("put: 1,000 stored, 0 failed\nput: 2,000 stored, 0 failed\nput: 3,000 stored, 0 failed\n");
  });

  it("on a terminal: a bar redrawn in place at most every 100 ms, notes above it", () => {
    const out = stream(true);
    let now = 0;
    const report = loadProgress(out, "put", 1_000, () => now);
    report.update(state(10, 500));
    now = 50;
    report.update(state(20, 600));
    report.note("put: line 21: not JSON");
    now = 60;
    report.update(state(30, 700));
    report.finish(state(100, 1_000, 1));
    expect(out.text).toBe(
      "\r\x1b[2Kput: [##########----------]  50%  10 stored, 0 failed" +
        "\r\x1b[2Kput: line 21: not JSON\n" +
        "\r\x1b[2Kput: [##############------]  70%  30 stored, 0 failed" +
        "\r\x1b[2Kput: [####################] 100%  99 stored, 1 failed\n",
    );
  });
});
