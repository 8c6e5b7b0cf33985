import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeExamples, runTsSnippet, startBeanstalkd, typecheckSnippets, type RunningServer } from "@x/test-servers";

const packageDir = join(import.meta.dirname, "..");
const examples = await readmeExamples(join(packageDir, "README.md"));

/** What each runnable README block must print, in order. */
const expected: string[] = [
  "send_email { to: 'urgent@example.com' } 0 30000\n{ ready: 1, reserved: 0, buried: 0 }\n",
  "idle a.png b.png c.png d.png e.png 5\n",
  "buried the payment: card declined (foreign: false)\nburied\n",
  'tube - `tube` may only contain letters, digits and -+/;.$_() (beanstalkd\'s rule), got "no spaces allowed"\nERR_JOB_TOO_BIG 65535\n',
];

let server: RunningServer;
beforeAll(async () => {
  // A server of its own, so the examples' tubes start empty.
  server = await startBeanstalkd();
  process.env.BEANSTALKD_HOST = server.host;
  process.env.BEANSTALKD_PORT = String(server.port);
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

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
      expect(result.stdout).toBe(expected[i]);
    },
  );
});
