import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type RunResult, runTs } from "./spawn-ts.js";

const require = createRequire(import.meta.url);

/** A fenced code block from a markdown file. */
export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence, for error messages. */
  readonly line: number;
}

/**
 * Every fenced code block of the given language(s) in a markdown text, in order. A fence whose
 * info string says `no-run` (```` ```ts no-run ````) is documentation only (for instance a
 * vitest file shown in a README) and is left out.
 */
export function extractCodeBlocks(markdown: string, langs: readonly string[] = ["ts", "typescript"]): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const lang = open[1] ?? "";
    const runnable = !(open[2] ?? "").split(/\s+/).includes("no-run");
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    if (runnable && langs.includes(lang)) blocks.push({ lang, code: body.join("\n"), line: start + 1 });
  }
  return blocks;
}

/** Reads a README and returns its TypeScript code blocks. */
export async function readmeExamples(readmePath: string): Promise<CodeBlock[]> {
  return extractCodeBlocks(await readFile(readmePath, "utf8"));
}

/**
 * Runs a TypeScript snippet as its own process from inside a package directory, so `@x/*`
 * imports resolve exactly as they would for a user of that package (sources via tsx).
 * The snippet is written to `<packageDir>/.readme-examples/` (which has no package.json of its
 * own, so the package's name resolves to itself; tsc and ESLint ignore the folder) and removed
 * afterwards.
 */
export async function runTsSnippet(code: string, packageDir: string, args: readonly string[] = []): Promise<RunResult> {
  const dir = join(packageDir, ".readme-examples");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${randomUUID()}.ts`);
  await writeFile(file, code, "utf8");
  try {
    return await runTs(file, args, { cwd: packageDir });
  } finally {
    await rm(file, { force: true });
  }
}

/** Result of {@link typecheckSnippets}: tsc's exit code and its diagnostics, one per line. */
export interface TypecheckResult {
  readonly ok: boolean;
  readonly diagnostics: string;
}

/**
 * Typechecks every runnable TypeScript block of a README against the package's own tsconfig, so
 * the examples stay type-correct, not only runnable (tsx does not check types). The blocks are
 * written to `<packageDir>/.readme-typecheck/` (ignored by git, ESLint and the package's tsconfig)
 * and removed afterwards.
 */
export async function typecheckSnippets(readmePath: string, packageDir: string): Promise<TypecheckResult> {
  const blocks = await readmeExamples(readmePath);
  const dir = join(packageDir, ".readme-typecheck");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    // Each block is its own module (`export {}`), so blocks may reuse names as a reader expects.
    await Promise.all(blocks.map((block) => writeFile(join(dir, `readme-line-${block.line}.ts`), `${block.code}\nexport {};\n`, "utf8")));
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noEmit: true }, include: ["*.ts"] }),
      "utf8",
    );
    const tsc = require.resolve("typescript/bin/tsc");
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--pretty", "false"], {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.once("error", reject);
      child.once("close", (code) => {
        resolve({ code, output });
      });
    });
    return { ok: result.code === 0, diagnostics: result.output.trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
