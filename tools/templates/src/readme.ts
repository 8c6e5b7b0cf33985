/**
 * What a package README promises a user reading it on the npm site: which packages to install
 * (the install line), what its examples import, the TypeScript it needs and what it installs.
 * Shared by the README test (fast, every run) and the publishing check (which measures).
 */
import { builtinModules } from "node:module";

/** Languages whose fenced blocks are code a user copies, imports included. */
const CODE_LANGS = new Set(["ts", "typescript", "js", "javascript", "mjs", "mts"]);

/** Every fenced block of the given languages, `no-run` ones included: a user copies those too. */
export function codeBlocks(markdown: string, langs: ReadonlySet<string>): string[] {
  const blocks: string[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)/.exec(lines[i] ?? "");
    if (!open) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    if (langs.has(open[1] ?? "")) blocks.push(body.join("\n"));
  }
  return blocks;
}

const BUILTINS = new Set(builtinModules);

/** `@x/message/testing` -> `@x/message`, `zod/v4` -> `zod`; Node built-ins and relative paths -> null. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith("node:") || specifier.startsWith(".") || specifier.startsWith("/")) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
  return BUILTINS.has(name) ? null : name;
}

/** The packages the README's code blocks import (static, side-effect and dynamic imports). */
export function importedPackages(markdown: string): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const block of codeBlocks(markdown, CODE_LANGS)) {
    for (const pattern of patterns) {
      for (const match of block.matchAll(pattern)) {
        const name = packageOf(match[1] ?? "");
        if (name !== null) found.add(name);
      }
    }
  }
  return found;
}

/**
 * The packages of the README's install line: the first `npm install` command in a shell block.
 * Flags and a trailing `# comment` are not packages; `zod@4` is `zod`.
 */
export function installLine(markdown: string): { readonly line: string; readonly packages: Set<string> } | null {
  for (const block of codeBlocks(markdown, new Set(["sh", "bash", "shell", "console"]))) {
    for (const raw of block.split("\n")) {
      const line = raw.replace(/^\$\s*/, "").trim();
      if (!/^npm (install|i|add)\s/.test(line)) continue;
      const words = (line.split("#")[0] ?? "").trim().split(/\s+/).slice(2);
      const packages = new Set(words.filter((w) => !w.startsWith("-")).map((w) => w.replace(/(?<=.)@[^/]*$/, "")));
      return { line, packages };
    }
  }
  return null;
}

/** Links a reader follows on the npm site that would lead out of the package: `../` targets. */
export function linksLeavingPackage(markdown: string): string[] {
  const links: string[] = [];
  for (const pattern of [
    /\]\(\s*(\.\.\/[^)\s]*)/g,
    /^\s*\[[^\]]+\]:\s*(\.\.\/\S*)/gm,
    /\bhref=["'](\.\.\/[^"']*)["']/g,
    /\bsrc=["'](\.\.\/[^"']*)["']/g,
  ]) {
    for (const match of markdown.matchAll(pattern)) links.push(match[1] ?? "");
  }
  return links;
}

/** The minimum TypeScript the README states, as `major.minor`: "TypeScript >= 5.6". */
export function statedTypeScriptMinimum(markdown: string): string | null {
  return /TypeScript >= (\d+\.\d+)/.exec(markdown)?.[1] ?? null;
}

/** The README's "Install size: N packages, S kB" line. */
export function statedInstallSize(markdown: string): { readonly packages: number; readonly size: string } | null {
  const match = /Install size: (\d+) packages?, ([\d.]+ [kM]B)/.exec(markdown);
  return match ? { packages: Number(match[1]), size: match[2] ?? "" } : null;
}
