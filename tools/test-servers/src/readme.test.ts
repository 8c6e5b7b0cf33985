import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractCodeBlocks, runTsSnippet } from "./readme.js";
import { runTs } from "./spawn-ts.js";

describe("extractCodeBlocks", () => {
  it("returns ts blocks with their line numbers and skips other languages", () => {
    const md = ["# T", "```ts", "const a = 1;", "```", "```sh", "ls", "```", "```typescript", "let b = 2;", "```", "```ts no-run", "describe();", "```"].join("\n");
    expect(extractCodeBlocks(md)).toEqual([
      { lang: "ts", code: "const a = 1;", line: 2 },
      { lang: "typescript", code: "let b = 2;", line: 8 },
    ]);
  });
});

describe("runTsSnippet", () => {
  it("runs TypeScript in its own process and reports output and exit code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-snippet-"));
    try {
      await writeFile(join(dir, "package.json"), '{"type":"module"}');
      const ok = await runTsSnippet('const n: number = 6 * 7;\nconsole.log(`answer ${n}`);', dir);
      expect(ok).toMatchObject({ code: 0, stdout: "answer 42\n" });
      const failing = await runTsSnippet('throw new Error("boom");', dir);
      expect(failing.code).not.toBe(0);
      expect(failing.stderr).toContain("boom");
      expect(failing.timedOut).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("runTs", () => {
  it("kills a child that runs past its timeout instead of leaving it behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-hang-"));
    try {
      const file = join(dir, "hang.ts");
      await writeFile(file, "setInterval(() => undefined, 1000);\n");
      const result = await runTs(file, [], { timeoutMs: 300 });
      expect(result).toMatchObject({ timedOut: true, signal: "SIGKILL" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
