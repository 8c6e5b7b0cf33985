import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "@x/core";
import type { QueueAdapter } from "@x/message";
import { AdapterNotInstalledError, QueueCliUsageError } from "../errors.js";

/** What a `--queue` URL asks for: which adapter package, which factory, which options. */
export interface QueueSpec {
  readonly scheme: "file" | "beanstalk";
  readonly packageName: string;
  readonly factory: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** How to write each kind of queue URL, for messages. */
export const QUEUE_URL_FORMS = "file:./dir or beanstalk://host:port/tube";

function numberParam(url: string, name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new QueueCliUsageError(`--queue ${url}: \`${name}\` must be a positive number, got ${JSON.stringify(value)}`);
  }
  return n;
}

function booleanParam(url: string, name: string, value: string): boolean {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new QueueCliUsageError(`--queue ${url}: \`${name}\` must be true or false, got ${JSON.stringify(value)}`);
}

function splitQuery(url: string): [string, URLSearchParams] {
  const at = url.indexOf("?");
  return at < 0 ? [url, new URLSearchParams()] : [url.slice(0, at), new URLSearchParams(url.slice(at + 1))];
}

function fileSpec(url: string, cwd: string): QueueSpec {
  const [location, query] = splitQuery(url);
  const rest = location.slice("file:".length);
  let dir: string;
  try {
    dir = rest.startsWith("//") ? fileURLToPath(location) : resolve(cwd, rest);
  } catch (error) {
    throw new QueueCliUsageError(`--queue ${url}: not a usable file URL`, { cause: error });
  }
  if (rest === "" || rest === "//") throw new QueueCliUsageError(`--queue ${url}: the directory is missing (file:./dir)`);
  const options: Record<string, unknown> = { dir };
  for (const [name, value] of query) {
    if (name === "ttr") options.ttrMs = numberParam(url, name, value);
    else if (name === "fsync") options.fsync = booleanParam(url, name, value);
    else throw new QueueCliUsageError(`--queue ${url}: unknown parameter \`${name}\` (file queues take ttr=<ms> and fsync=true|false)`);
  }
  return { scheme: "file", packageName: "@x/queue-file", factory: "createFileQueue", options };
}

function beanstalkSpec(url: string): QueueSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new QueueCliUsageError(`--queue ${url}: not a valid URL (beanstalk://host:port/tube)`, { cause: error });
  }
  const options: Record<string, unknown> = {};
  if (parsed.hostname !== "") options.host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (parsed.port !== "") options.port = Number(parsed.port);
  const tube = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (tube.includes("/")) throw new QueueCliUsageError(`--queue ${url}: the path must be one tube name`);
  if (tube !== "") options.tube = tube;
  for (const [name, value] of parsed.searchParams) {
    // The URL keeps whole seconds, as it always had, so existing URLs keep their meaning.
    if (name === "ttr") options.ttrMs = numberParam(url, name, value) * 1000;
    else throw new QueueCliUsageError(`--queue ${url}: unknown parameter \`${name}\` (beanstalk queues take ttr=<seconds>)`);
  }
  return { scheme: "beanstalk", packageName: "@x/queue-beanstalk", factory: "createBeanstalkQueue", options };
}

/**
 * Reads a `--queue` URL: `file:./dir`, `file:/abs/dir` or `file:///abs/dir` (relative paths are
 * taken from `cwd`; `?ttr=<ms>&fsync=false`), or `beanstalk://host:port/tube` (`?ttr=<seconds>`).
 * @throws QueueCliUsageError naming what is wrong.
 */
export function parseQueueUrl(url: string, cwd: string): QueueSpec {
  if (url.startsWith("file:")) return fileSpec(url, cwd);
  if (url.startsWith("beanstalk://")) return beanstalkSpec(url);
  throw new QueueCliUsageError(`--queue ${JSON.stringify(url)}: unknown kind of queue; use ${QUEUE_URL_FORMS}`);
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
    error instanceof Error &&
    // Only the package itself missing counts, not one of its own dependencies.
    error.message.includes(`'${packageName}'`)
  );
}

/**
 * Imports a package the way the user expects: first as installed in the working directory's
 * project, then next to the CLI itself (a global install with the adapter beside it).
 * @throws AdapterNotInstalledError when neither place has it.
 */
export async function importPackage(packageName: string, scheme: string, cwd: string, cliUrl: string): Promise<unknown> {
  const bases = [pathToFileURL(join(cwd, "x-queue.js")).href, cliUrl];
  let lastError: unknown;
  for (const base of bases) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(packageName);
    } catch (error) {
      if (!isModuleNotFound(error, packageName)) throw error;
      lastError = error;
      continue;
    }
    return (await import(pathToFileURL(resolved).href)) as unknown;
  }
  throw new AdapterNotInstalledError(packageName, scheme, { cause: lastError });
}

/**
 * Opens the queue a `--queue` URL names, loading its adapter package. `logger` is handed to the
 * adapter: that is how a job it sets aside as unreadable (a corrupt file) gets reported.
 */
export async function openQueue(spec: QueueSpec, cwd: string, cliUrl: string, logger?: Logger): Promise<QueueAdapter> {
  const module = (await importPackage(spec.packageName, spec.scheme, cwd, cliUrl)) as Record<string, unknown>;
  const factory = module[spec.factory];
  if (typeof factory !== "function") {
    throw new AdapterNotInstalledError(spec.packageName, spec.scheme, { problem: `has no ${spec.factory}() export (too old?)` });
  }
  return (factory as (options: Readonly<Record<string, unknown>>) => QueueAdapter)(
    logger === undefined ? spec.options : { ...spec.options, logger },
  );
}
