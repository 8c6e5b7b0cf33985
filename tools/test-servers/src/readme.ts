import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTs, type RunResult } from "./spawn-ts.js";

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
