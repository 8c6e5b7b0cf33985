import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeExamples, runTsSnippet, startNatsServer, typecheckSnippets } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

const beatitLines = [
  "b'start/60' -> b'heartbeat.my.process.identifier'",
  "b'beat/5' -> b'heartbeat.my.process.identifier'",
  "b'degraded/5' -> b'heartbeat.my.process.identifier'",
  "b'stop' -> b'heartbeat.my.process.identifier'",
];

/** The exact output of each ```ts block of the README, in order. */
const expected: string[][] = [
  beatitLines,
  beatitLines,
  ["b'start/30' -> heartbeat.my.process.identifier"],
  [
    "sent R, next within 0.5 s",
    "{}",
    "sent R, next within 0.5 s",
    "server says H (was R)",
    "{ workflowRunStatus: 'H' }",
    "sent H, next within 0.5 s",
    "stopped, status H",
  ],
  [
    "demo.worker: new -> starting",
    "demo.worker: starting -> up",
    "demo.worker: up -> late",
    "demo.worker: late -> down",
    "demo.worker: down -> starting",
    "demo.worker: starting -> stopped",
    "[ 'demo.worker is stopped' ]",
  ],
  [
    "billing.worker.1: new -> starting",
    "billing.worker.1: starting -> up",
    'invalid: payload "beat/later": seconds are not a decimal number',
    "billing.worker.1: up -> stopped",
  ],
];

describe("README examples", async () => {
  const blocks = await readmeExamples(join(packageDir, "README.md"));
  let nats: Awaited<ReturnType<typeof startNatsServer>>;

  beforeAll(async () => {
    // The NATS example reads the server URL from NATS_URL; the child inherits it.
    nats = await startNatsServer({ jetstream: false });
    process.env.NATS_URL = nats.url;
  });

  afterAll(async () => {
    delete process.env.NATS_URL;
    await nats[Symbol.asyncDispose]();
  });

  it("has one expected output per example", () => {
    expect(blocks).toHaveLength(expected.length);
  });

  it("every example typechecks against the package's tsconfig", async () => {
    const result = await typecheckSnippets(join(packageDir, "README.md"), packageDir);
    expect(result.diagnostics).toBe("");
    expect(result.ok).toBe(true);
  });

  it.each(blocks.map((block, index) => [block.line, block, index] as const))("the block at line %i prints what the README says", async (_line, block, index) => {
    const result = await runTsSnippet(block.code, packageDir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toEqual(expected[index]);
  });
});
