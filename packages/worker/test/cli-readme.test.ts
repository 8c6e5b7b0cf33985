/**
 * The shell examples of the README's `x-queue` section run as a user would run them: bash, with
 * `x-queue` being this CLI, in a fresh directory, against the file queue and a real beanstalkd.
 * The README's 10,000 jobs become 200 here (the counts in the expected output are scaled alike):
 * the example is about the commands, and loading speed is measured outside the tests.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startBeanstalkd } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliCommand, installBeanstalkAdapter, userEnv } from "./cli-helpers.js";

const README = join(import.meta.dirname, "..", "README.md");
const run = promisify(execFile);

interface Block {
  readonly info: string;
  readonly code: string;
}

/** The fenced blocks of the README's `x-queue` section, in order. */
async function sectionBlocks(): Promise<Block[]> {
  const text = await readFile(README, "utf8");
  const start = text.indexOf("## The `x-queue` command");
  const end = text.indexOf("\n## ", start + 1);
  const lines = text.slice(start, end).split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i] ?? "");
    blocks.push({ info: (open[1] ?? "").trim(), code: body.join("\n") });
  }
  return blocks;
}

/** The README's numbers for 10,000 jobs, for 200. */
const scaled = (text: string): string =>
  text
    .replaceAll(/\b10000\b/g, "200")
    .replaceAll(/\b9000\b/g, "180")
    .replaceAll(/\b1000\b/g, "20");

/** An expected line as a pattern: ids (`01a2...`) and times stand for any. */
function linePattern(line: string): RegExp {
  const escaped = line
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("01a2\\.\\.\\.", "\\S+")
    .replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\\\.\d{3}Z/g, "\\S+Z");
  return new RegExp(`^${escaped}$`);
}

/** Every expected line appears in stdout, in order (`...` stands for lines left out). */
function expectOutput(stdout: string, expected: string): void {
  const actual = stdout.split("\n").map((line) => line.trim());
  let at = 0;
  for (const line of expected.split("\n")) {
    if (line.trim() === "..." || line.trim() === "") continue;
    const pattern = linePattern(line);
    const found = actual.findIndex((candidate, index) => index >= at && pattern.test(candidate));
    if (found < 0) expect.fail(`the README says ${JSON.stringify(line)}, not in:\n${stdout}`);
    at = found + 1;
  }
}

let cwd: string;
let server: Awaited<ReturnType<typeof startBeanstalkd>>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-readme-"));
  await installBeanstalkAdapter(cwd);
  server = await startBeanstalkd();
});
afterAll(async () => {
  await server.kill();
  await rm(cwd, { recursive: true, force: true });
});

/** Runs a block with bash, `x-queue` being this CLI; stdout, and the exit code of the last command. */
async function runBlock(code: string): Promise<string> {
  const cli = cliCommand()
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const { X_QUEUE: _ignored, ...env } = userEnv;
  const { stdout } = await run("bash", ["-c", `x-queue() { ${cli} "$@"; }\n${code}`], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

describe("the README's x-queue examples", () => {
  it("need jq, as the README says", async () => {
    await expect(run("jq", ["--version"]), "install jq: apt-get install jq").resolves.toBeDefined();
  });

  it("the incident on the file queue, then on beanstalkd, prints what the README shows", { timeout: 300_000 }, async () => {
    const blocks = await sectionBlocks();
    const handlers = blocks.find((block) => block.info === "js handlers.js");
    if (handlers === undefined) expect.fail("no handlers.js block");
    await writeFile(join(cwd, "handlers.js"), handlers.code);
    await writeFile(join(cwd, "package.json"), '{"type":"module"}\n');
    const examples = blocks.flatMap((block, index) =>
      block.info === "sh example" ? [{ code: block.code, output: blocks[index + 1] }] : [],
    );
    expect(examples).toHaveLength(2);
    for (const { code, output } of examples) {
      if (output?.info !== "text") expect.fail(`no output block after ${code}`);
      const stdout = await runBlock(scaled(code).replaceAll("127.0.0.1:11300", `127.0.0.1:${server.port}`));
      expectOutput(stdout, scaled(output.code));
    }
  });
});
