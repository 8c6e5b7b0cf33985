import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readmeExamples, runTsSnippet, typecheckSnippets } from "@x/test-servers";

const packageDir = join(import.meta.dirname, "..");
const examples = await readmeExamples(join(packageDir, "README.md"));

/** What each runnable README block must print, in order. */
const expected: ((stdout: string) => void)[] = [
  (out) => {
    expect(out).toBe('send_email { to: \'ada@example.com\', subject: \'Welcome\' }\nsend_email\n');
  },
  (out) => {
    expect(out).toBe("2000-01-01T12:00:00.000Z 2023-12-10T17:00:00.250Z\n");
  },
  (out) => {
    const lines = out.split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "header.priority - invalid message: header.priority: must be an integer, got number 1.5",
      "id - invalid message: id: not a valid message id: \"../etc/passwd\"",
    ]);
    // The rest of this line is V8's JSON.parse message, which differs between Node versions.
    expect(lines[2]).toMatch(/^undefined - invalid message: not JSON: /);
    expect(lines).toHaveLength(4);
  },
  (out) => {
    expect(out).toBe(
      "{ image: 'urgent.png' } 0\n{ ready: 1, delayed: 0, reserved: 0, buried: 1 }\n1 2\n",
    );
  },
];

describe("README examples", () => {
  it("has exactly the runnable examples this test knows", () => {
    expect(examples).toHaveLength(expected.length);
  });

  it("every example typechecks against the package's tsconfig", async () => {
    const result = await typecheckSnippets(join(packageDir, "README.md"), packageDir);
    expect(result.diagnostics).toBe("");
    expect(result.ok).toBe(true);
  });

  it.each(examples.map((example, i) => [example.line, example, i] as const))(
    "the block at README line %i runs and prints what the README says",
    async (_line, example, i) => {
      const result = await runTsSnippet(example.code, packageDir);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expected[i]?.(result.stdout);
    },
  );
});
