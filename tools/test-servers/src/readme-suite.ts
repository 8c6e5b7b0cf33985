import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CodeBlock, readmeExamples, runTsSnippet, typecheckSnippets } from "./readme.js";
import type { RunResult } from "./spawn-ts.js";

/**
 * What one README block must print: the exact stdout, its lines (compared after trimming the
 * final newline), a pattern, or a function that makes its own assertions.
 */
export type ExpectedOutput = string | readonly string[] | RegExp | ((stdout: string) => void);

/** Options for {@link describeReadmeExamples}. */
export interface ReadmeExamplesOptions {
  /** The package directory; the README is `<packageDir>/README.md` unless `readme` says otherwise. */
  readonly packageDir: string;
  /** README file name relative to `packageDir`. @default "README.md" */
  readonly readme?: string;
  /** One expectation per runnable ```ts block, in order. */
  readonly expected: readonly ExpectedOutput[];
  /** Runs a block; defaults to {@link runTsSnippet} in `packageDir`. */
  readonly run?: (block: CodeBlock, packageDir: string) => Promise<RunResult>;
}

function check(stdout: string, expected: ExpectedOutput | undefined): void {
  if (expected === undefined) throw new Error("no expectation for this block: add one to `expected`");
  if (typeof expected === "function") expected(stdout);
  else if (typeof expected === "string") expect(stdout).toBe(expected);
  else if (expected instanceof RegExp) expect(stdout).toMatch(expected);
  else expect(stdout.trimEnd().split("\n")).toEqual(expected);
}

/**
 * Registers the README tests every package has: one expectation per runnable block, every block
 * typechecks against the package's tsconfig, and every block runs as its own process, exits 0,
 * prints nothing on stderr and prints what the README says. Servers the blocks need are started
 * by the caller (in `beforeAll`) and handed over through `process.env`, which the children inherit.
 */
export function describeReadmeExamples(options: ReadmeExamplesOptions): void {
  const readmePath = join(options.packageDir, options.readme ?? "README.md");
  const run = options.run ?? ((block, dir) => runTsSnippet(block.code, dir));
  describe("README examples", async () => {
    const blocks = await readmeExamples(readmePath);

    it("has exactly one expectation per runnable ```ts block", () => {
      expect(blocks).toHaveLength(options.expected.length);
    });

    it("every block typechecks against the package's tsconfig", { timeout: 120_000 }, async () => {
      const result = await typecheckSnippets(readmePath, options.packageDir);
      expect(result.diagnostics).toBe("");
      expect(result.ok).toBe(true);
    });

    it.each(blocks.map((block, index) => [block.line, block, index] as const))(
      "the block at README line %i runs and prints what the README says",
      { timeout: 120_000 },
      async (_line, block, index) => {
        const result = await run(block, options.packageDir);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        check(result.stdout, options.expected[index]);
      },
    );
  });
}
