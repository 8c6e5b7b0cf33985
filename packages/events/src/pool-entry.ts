import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The module every pool worker loads first. It loads the user's module and calls the named
 * export. In a worker *thread* it turns `process.exit()` into a thrown error: a thread that
 * exits ends without an error the pool would see, and its job would only fail at its timeout.
 * (A child process that exits is noticed by the pool at once, so there it stays a real exit.)
 */
const ENTRY = `import { isMainThread } from "node:worker_threads";
if (!isMainThread) {
  process.exit = (code) => {
    throw new Error("the handler called process.exit(" + (code ?? "") + ")");
  };
}
const modules = new Map();
export async function run({ href, name, task }) {
  let loading = modules.get(href);
  if (loading === undefined) {
    loading = import(href);
    modules.set(href, loading);
  }
  const handler = (await loading)[name];
  if (typeof handler !== "function") throw new TypeError(href + " has no exported function " + JSON.stringify(name));
  return handler(task);
}
`;

let directory: string | undefined;
let users = 0;

/**
 * The entry module's path, written once per process to a temporary directory (the package ships
 * TypeScript sources and compiled JavaScript, and a worker needs a plain JavaScript file either
 * way). Call {@link releaseEntry} once per call when done: the last one removes it.
 */
export function acquireEntry(): string {
  users++;
  directory ??= mkdtempSync(join(tmpdir(), "x-events-pool-"));
  const file = join(directory, "entry.mjs");
  writeFileSync(file, ENTRY);
  return pathToFileURL(file).href;
}

/** Gives back what {@link acquireEntry} took; removes the file after the last pool closed. */
export function releaseEntry(): void {
  users = Math.max(0, users - 1);
  if (users > 0 || directory === undefined) return;
  rmSync(directory, { recursive: true, force: true });
  directory = undefined;
}
