import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The house rules of CONTRIBUTING.md that a machine can check over every package's sources: one
 * Logger type, error codes unique across the toolkit, durations in `*Ms` options, no public
 * class constructed with `new` by users where a factory is the rule.
 */

const ROOT = join(import.meta.dirname, "..", "..", "..");
const PACKAGES = join(ROOT, "packages");

interface Source {
  readonly path: string;
  readonly file: ts.SourceFile;
}

async function packageSources(): Promise<Source[]> {
  const sources: Source[] = [];
  for (const pkg of await readdir(PACKAGES)) {
    const src = join(PACKAGES, pkg, "src");
    let entries: string[];
    try {
      entries = (await readdir(src, { recursive: true })).map(String);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.endsWith(".ts") || entry.endsWith(".test.ts") || entry.endsWith(".d.ts")) continue;
      const path = join(src, entry);
      const text = await readFile(path, "utf8");
      sources.push({ path: relative(ROOT, path), file: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true) });
    }
  }
  return sources;
}

function visit(node: ts.Node, each: (node: ts.Node) => void): void {
  each(node);
  ts.forEachChild(node, (child) => {
    visit(child, each);
  });
}

/** The string literals starting with `ERR_` in a class's own constructor (its `super(...)` and assignments). */
function codesOf(declaration: ts.ClassDeclaration): string[] {
  const codes: string[] = [];
  for (const member of declaration.members) {
    if (!ts.isConstructorDeclaration(member) || member.body === undefined) continue;
    visit(member.body, (node) => {
      if (ts.isStringLiteral(node) && node.text.startsWith("ERR_")) codes.push(node.text);
    });
  }
  return codes;
}

/** The names every package's `src/index.ts` exports: its public surface. */
function publicNames(all: readonly Source[]): Set<string> {
  const names = new Set<string>();
  for (const { path, file } of all) {
    if (!path.endsWith("/src/index.ts")) continue;
    for (const statement of file.statements) {
      if (!ts.isExportDeclaration(statement) || statement.exportClause === undefined || !ts.isNamedExports(statement.exportClause))
        continue;
      for (const element of statement.exportClause.elements) names.add((element.propertyName ?? element.name).text);
    }
  }
  return names;
}

const sources = await packageSources();
const exported = publicNames(sources);

describe("house rules over packages/*/src", () => {
  it("reads the sources of every package", () => {
    const packages = new Set(sources.map((s) => s.path.split("/")[1]));
    expect([...packages].sort()).toEqual([
      "core",
      "dashboard",
      "events",
      "heartbeat",
      "message",
      "probe",
      "queue-beanstalk",
      "queue-file",
      "queue-nats",
      "schedule",
      "telemetry",
      "worker",
    ]);
  });

  it("has one Logger type, in @x/core", () => {
    const loggers: string[] = [];
    for (const { path, file } of sources) {
      visit(file, (node) => {
        if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name.text.endsWith("Logger")) {
          loggers.push(`${path}: ${node.name.text}`);
        }
      });
    }
    expect(loggers).toEqual(["packages/core/src/logger.ts: Logger"]);
  });

  it("gives every error code to one class, each class a unique name, every code the ERR_X_ prefix", () => {
    const classesByCode = new Map<string, string[]>();
    const classNames = new Map<string, string[]>();
    for (const { path, file } of sources) {
      visit(file, (node) => {
        if (!ts.isClassDeclaration(node) || !node.name?.text.endsWith("Error")) return;
        const name = node.name.text;
        classNames.set(name, [...(classNames.get(name) ?? []), path]);
        for (const code of codesOf(node)) classesByCode.set(code, [...(classesByCode.get(code) ?? []), `${path}: ${name}`]);
      });
    }
    const sharedCodes = [...classesByCode].filter(([, classes]) => classes.length > 1);
    const sharedNames = [...classNames].filter(([, paths]) => paths.length > 1);
    const unprefixed = [...classesByCode.keys()].filter((code) => !code.startsWith("ERR_X_"));
    expect(sharedCodes).toEqual([]);
    expect(sharedNames).toEqual([]);
    expect(unprefixed).toEqual([]);
    expect(classesByCode.size).toBeGreaterThan(40);
  });

  it("names every duration in a public options type in milliseconds with Ms", () => {
    // Multipliers and counts that read like durations but are not.
    const notDurations = new Set(["grace", "buffer", "reportByBuffer"]);
    const durationLike = /(timeout|delay|interval|period|wait|ttl|age|duration|deadline|lease|ttr|warmup|backoff)/i;
    const offenders: string[] = [];
    for (const { path, file } of sources) {
      visit(file, (node) => {
        if (!ts.isInterfaceDeclaration(node) || !node.name.text.endsWith("Options") || !exported.has(node.name.text)) return;
        for (const member of node.members) {
          if (!ts.isPropertySignature(member) || member.type === undefined || !ts.isIdentifier(member.name)) continue;
          const name = member.name.text;
          if (member.type.kind !== ts.SyntaxKind.NumberKeyword || notDurations.has(name)) continue;
          if (durationLike.test(name) && !name.endsWith("Ms")) offenders.push(`${path}: ${node.name.text}.${name}`);
        }
      });
    }
    expect(offenders).toEqual([]);
    expect([...exported].filter((name) => name.endsWith("Options")).length).toBeGreaterThan(20);
  });
});
