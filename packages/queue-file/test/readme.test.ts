import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeExamples, runTsSnippet, typecheckSnippets } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The exact output of each ```ts block of the README, in order. */
const expected: string[][] = [
  ["send_email { to: 'grace@example.com' } attempt 0", "send_email { to: 'ada@example.com' } attempt 0"],
  ["at once: null", "later: invoice-7 attempts 1", "old holder: true"],
  [
    "[ 'buried', 'image is corrupt' ]",
    "moved ready/notes.txt aside: not a file name this queue writes (a stranger's file?)",
    "{ ready: 0, delayed: 0, reserved: 0, buried: 1, extra: { corrupt: 1 } }",
    "kicked 1",
    "cat.png attempts 1",
  ],
  ["shutting down", "later"],
];

describe("README examples", async () => {
  const blocks = await readmeExamples(join(packageDir, "README.md"));
  // The examples make their queues under os.tmpdir(); the children inherit TMPDIR, so they land here.
  const scratch = mkdtempSync(join(tmpdir(), "x-queue-file-readme-"));
  const previous = process.env.TMPDIR;
  beforeAll(() => {
    process.env.TMPDIR = scratch;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(scratch, { recursive: true, force: true });
  });

  it("has one expected output per example", () => {
    expect(blocks).toHaveLength(expected.length);
  });

  it("every example typechecks against the package's tsconfig", async () => {
    const result = await typecheckSnippets(join(packageDir, "README.md"), packageDir);
    expect(result.diagnostics).toBe("");
    expect(result.ok).toBe(true);
  }, 60_000);

  it.each(blocks.map((block, i) => [block.line, block.code, expected[i] ?? []] as const))(
    "the example at line %i runs and prints what the README says",
    async (_line, code, lines) => {
      const result = await runTsSnippet(code, packageDir);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(lines.map((line) => `${line}\n`).join(""));
    },
    // Each example is a fresh Node process compiling TypeScript: slow on a busy machine.
    60_000,
  );
});
