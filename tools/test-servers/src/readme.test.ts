import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractCodeBlocks, runTsSnippet, typecheckSnippets } from "./readme.js";
import { runTs } from "./spawn-ts.js";

describe("extractCodeBlocks", () => {
  it("returns ts blocks with their line numbers and skips other languages", () => {
    const md = [
      "# T",
      "```ts",
      "const a = 1;",
      "```",
      "```sh",
      "ls",
      "```",
      "```typescript",
      "let b = 2;",
      "```",
      "```ts no-run",
      "describe();",
      "```",
    ].join("\n");
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
      const ok = await runTsSnippet("const n: number = 6 * 7;\nconsole.log(`answer ${n}`);", dir);
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

describe("typecheckSnippets", () => {
  it("passes type-correct blocks and reports type errors with their README line", async () => {
    // Inside the workspace, so @types/node resolves; .readme-examples/ is ignored by tsc, ESLint and git.
    await mkdir(join(import.meta.dirname, "../.readme-examples"), { recursive: true });
    const dir = await mkdtemp(join(import.meta.dirname, "../.readme-examples/typecheck-"));
    try {
      await writeFile(join(dir, "package.json"), '{"type":"module"}');
      await writeFile(
        join(dir, "tsconfig.json"),
        JSON.stringify({ extends: join(import.meta.dirname, "../../../tsconfig.base.json"), include: ["*.ts"] }),
      );
      await writeFile(join(dir, "good.md"), "```ts\nconst n: number = 1;\nconsole.log(n);\n```\n");
      expect(await typecheckSnippets(join(dir, "good.md"), dir)).toEqual({ ok: true, diagnostics: "" });
      await writeFile(join(dir, "bad.md"), "# T\n\n```ts\nconst n: number = 'one';\n```\n");
      const bad = await typecheckSnippets(join(dir, "bad.md"), dir);
      expect(bad.ok).toBe(false);
      expect(bad.diagnostics).toContain("readme-line-3.ts");
      expect(bad.diagnostics).toContain("TS2322");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
