import { fileURLToPath } from "node:url";
import { readmeExamples, runTsSnippet, startNatsServer, typecheckSnippets } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));
const blocks = await readmeExamples(readmePath);

// What each ```ts block of the README prints, in order (the README shows the same under "Output").
const expected = [
  "email to mark@example.com: parcel p-1 is on its way (attempt 1)\n",
  'max-attempts 2 Error: card declined {"order":"o-7"}\n',
  "ship-order handled event #1\nevent received, event processed true\n",
  "1 tick, on a whole second: true\n",
  "resized cat.png\nacked\nstopped\n",
];

let server: Awaited<ReturnType<typeof startNatsServer>>;
beforeAll(async () => {
  server = await startNatsServer();
  process.env.NATS_URL = server.url; // the snippets read it; runTsSnippet's child inherits it
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describe("README examples", () => {
  it("has one expected output per ts block", () => {
    expect(blocks).toHaveLength(expected.length);
  });
  it("every block typechecks against the package's tsconfig", async () => {
    const result = await typecheckSnippets(readmePath, packageDir);
    expect(result.diagnostics).toBe("");
    expect(result.ok).toBe(true);
  }, 60_000);
  it.each(blocks.map((block, i) => [block.line, block.code, expected[i]] as const))("block at line %i runs", async (_line, code, output) => {
    const result = await runTsSnippet(code, packageDir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(output);
  }, 60_000);
});
