import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { InvalidOptionError, type Logger } from "@x/core";
import type { QueueAdapter } from "@x/message";
import { AdapterNotInstalledError, QueueCliUsageError, QueueNotFoundError } from "../errors.js";

/** What a `--queue` URL asks for: which adapter package, which factory, which options. */
export interface QueueSpec {
  readonly scheme: "file" | "beanstalk" | "nats";
  readonly packageName: string;
  readonly factory: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** How to write each kind of queue URL, for messages. */
export const QUEUE_URL_FORMS = "file:./dir, beanstalk://host:port/tube or nats://host:port/queue";

/** The wire dialects `beanstalk://...?dialect=` takes (`@x/message`'s `WIRE_DIALECTS`). */
const DIALECTS: readonly string[] = ["iso", "pulpo"];

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
    else if (name === "dialect") {
      if (!DIALECTS.includes(value)) {
        throw new QueueCliUsageError(`--queue ${url}: \`dialect\` must be ${DIALECTS.join(" or ")}, got ${JSON.stringify(value)}`);
      }
      options.dialect = value;
    } else {
      throw new QueueCliUsageError(
        `--queue ${url}: unknown parameter \`${name}\` (beanstalk queues take ttr=<seconds> and dialect=iso|pulpo)`,
      );
    }
  }
  return { scheme: "beanstalk", packageName: "@x/queue-beanstalk", factory: "createBeanstalkQueue", options };
}

function natsSpec(url: string): QueueSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new QueueCliUsageError(`--queue ${url}: not a valid URL (nats://host:port/queue)`, { cause: error });
  }
  if (parsed.hostname === "") throw new QueueCliUsageError(`--queue ${url}: the server is missing (nats://host:port/queue)`);
  const queue = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (queue === "" || queue.includes("/"))
    throw new QueueCliUsageError(`--queue ${url}: the path must be one queue name (nats://host:port/queue)`);
  for (const [name] of parsed.searchParams)
    throw new QueueCliUsageError(`--queue ${url}: unknown parameter \`${name}\` (nats queues take none)`);
  const servers = parsed.port === "" ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  return { scheme: "nats", packageName: "@x/queue-nats", factory: "createNatsQueue", options: { servers, queue } };
}

/**
 * Reads a `--queue` URL: `file:./dir`, `file:/abs/dir` or `file:///abs/dir` (relative paths are
 * taken from `cwd`; `?ttr=<ms>&fsync=false`), `beanstalk://host:port/tube` (`?ttr=<seconds>&dialect=pulpo`)
 * or `nats://host:port/queue`.
 * @throws QueueCliUsageError naming what is wrong.
 */
export function parseQueueUrl(url: string, cwd: string): QueueSpec {
  if (url.startsWith("file:")) return fileSpec(url, cwd);
  if (url.startsWith("beanstalk://")) return beanstalkSpec(url);
  if (url.startsWith("nats://")) return natsSpec(url);
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

/** How {@link openQueue} opens a queue. */
export interface OpenOptions {
  /** The command only reads: a queue that does not exist is a {@link QueueNotFoundError}, and nothing is created. */
  readonly mustExist?: boolean;
  /** The URL as given, for messages. */
  readonly url?: string;
}

/** Whether an adapter's error says its queue does not exist (`@x/queue-file`'s `FileQueueNotFoundError`). */
export function isQueueNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^ERR_X_[A-Z_]*QUEUE_NOT_FOUND$/.test(code) && code !== "ERR_X_WORKER_CLI_QUEUE_NOT_FOUND";
}

const notFound = (url: string, why: string, cause?: unknown): QueueNotFoundError =>
  new QueueNotFoundError(`no queue at ${url}: ${why}; nothing was created`, cause === undefined ? undefined : { cause });

/** Before `create: false` reached the file queue: a queue directory holds its format marker or `ready/`. */
async function fileQueueExists(dir: string): Promise<boolean> {
  for (const entry of ["queue-file.json", "ready"]) {
    try {
      await stat(join(dir, entry));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT" && (error as { code?: unknown }).code !== "ENOTDIR") throw error;
    }
  }
  return false;
}

type Factory = (options: Readonly<Record<string, unknown>>) => QueueAdapter;

/** A file queue that is never created: `create: false`, or (an older `@x/queue-file`) a look at the directory first. */
async function openExistingFileQueue(factory: Factory, options: Readonly<Record<string, unknown>>, url: string): Promise<QueueAdapter> {
  try {
    return factory({ ...options, create: false });
  } catch (error) {
    if (!(error instanceof InvalidOptionError && error.option === "create")) throw error;
  }
  if (!(await fileQueueExists(String(options.dir)))) throw notFound(url, "the directory holds no queue");
  return factory(options);
}

/** Adapters that can tell whether their queue exists without creating it (`@x/queue-beanstalk`'s `tubeExists()`). */
interface CanTellExistence {
  tubeExists?(): Promise<boolean>;
}

/**
 * Opens the queue a `--queue` URL names, loading its adapter package. `logger` is handed to the
 * adapter: that is how a job it sets aside as unreadable (a corrupt file) gets reported. With
 * `mustExist`, a queue that does not exist is reported instead of created.
 * @throws QueueNotFoundError with `mustExist`, when the queue does not exist.
 */
export async function openQueue(
  spec: QueueSpec,
  cwd: string,
  cliUrl: string,
  logger?: Logger,
  { mustExist = false, url = spec.scheme }: OpenOptions = {},
): Promise<QueueAdapter> {
  const module = (await importPackage(spec.packageName, spec.scheme, cwd, cliUrl)) as Record<string, unknown>;
  const factory = module[spec.factory];
  if (typeof factory !== "function") {
    throw new AdapterNotInstalledError(spec.packageName, spec.scheme, { problem: `has no ${spec.factory}() export (too old?)` });
  }
  const options = logger === undefined ? spec.options : { ...spec.options, logger };
  if (!mustExist) return (factory as Factory)(options);
  if (spec.scheme === "file") return openExistingFileQueue(factory as Factory, options, url);
  const queue = (factory as Factory)(options);
  const existence = queue as QueueAdapter & CanTellExistence;
  // beanstalkd makes a tube when a client uses or watches it and drops it once it is empty and
  // unused, so "exists" means: holds jobs or has a client. NATS has no such question (yet).
  if (existence.tubeExists !== undefined && !(await existence.tubeExists())) {
    await queue.close();
    throw notFound(url, "the tube holds no jobs and no client uses it");
  }
  return queue;
}
