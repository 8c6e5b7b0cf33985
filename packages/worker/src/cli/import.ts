/**
 * `x-queue import --from pulpo-dir:./old --to <queue url>`: moves the jobs of a pulpo-messaging
 * file queue into any queue, keeping ids, attempts, delays and expirations. The reading is
 * `@x/queue-file`'s `readPulpoDirectory`, loaded like an adapter, so the worker does not depend on
 * the file queue.
 */
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type EnqueueResult,
  enqueueMany,
  InvalidArgumentError,
  type Message,
  type MessageInit,
  type QueueAdapter,
  toMessageInit,
} from "@x/message";
import { describeError } from "../describe-error.js";
import { AdapterNotInstalledError, QueueCliUsageError } from "../errors.js";
import { flag, integerArg, positionals, stringArg } from "./args.js";
import type { CliIo, Command } from "./command.js";
import { EXIT_OK, EXIT_SOME_FAILED } from "./exit-codes.js";
import { importPackage } from "./queue-url.js";

/** Jobs stored per `enqueueMany` call when `--batch` is not given. */
const DEFAULT_BATCH = 100;
/** Largest `--batch`: a batch is held in memory until the queue has it. */
const MAX_BATCH = 10_000;
const FROM_SCHEME = "pulpo-dir:";
/** Header key that keeps pulpo's id when the target queue assigns its own ids (beanstalkd). */
export const PULPO_ID_HEADER = "pulpo_id";

/** What `readPulpoDirectory` of `@x/queue-file` yields (typed here: the worker does not depend on it). */
type PulpoEntry =
  | { readonly state: "ready" | "locked"; readonly id: string; readonly message: Message; readonly file: string }
  | { readonly state: "corrupt"; readonly id: string; readonly file: string; readonly error: Error };
type ReadPulpoDirectory = (dir: string, options: { readonly timeZone: "utc" | "local" }) => AsyncIterable<PulpoEntry>;

/** What happened to one file: the `outcome` of a `--json` line. */
type Outcome = "imported" | "exists" | "locked" | "corrupt" | "refused";

interface Tally {
  imported: number;
  exists: number;
  locked: number;
  corrupt: number;
  refused: number;
  removed: number;
  notRemoved: number;
}

interface ImportSettings {
  readonly dir: string;
  readonly move: boolean;
  readonly includeLocked: boolean;
  readonly timeZone: "utc" | "local";
  readonly batch: number;
  readonly json: boolean;
}

function parseFrom(parsed: Parameters<Command["prepare"]>[0], cwd: string): string {
  const from = stringArg(parsed, "from");
  if (from === undefined) throw new QueueCliUsageError("import: --from pulpo-dir:<directory> is required");
  if (!from.startsWith(FROM_SCHEME) || from.length === FROM_SCHEME.length) {
    throw new QueueCliUsageError(
      `import: --from must be pulpo-dir:<directory> (a pulpo file queue's base_path), got ${JSON.stringify(from)}`,
    );
  }
  return resolve(cwd, from.slice(FROM_SCHEME.length));
}

async function loadReader(io: CliIo): Promise<ReadPulpoDirectory> {
  const module = (await importPackage("@x/queue-file", "pulpo-dir", io.cwd, io.cliUrl)) as Record<string, unknown>;
  const read = module.readPulpoDirectory;
  if (typeof read !== "function")
    throw new AdapterNotInstalledError("@x/queue-file", "pulpo-dir", { problem: "has no readPulpoDirectory() export (too old?)" });
  return read as ReadPulpoDirectory;
}

/** The job as the target queue takes it: the same id (or, where the queue names its jobs, pulpo's id in a header). */
function initFor(entry: { readonly state: "ready" | "locked"; readonly message: Message }, queue: QueueAdapter): MessageInit {
  const init = toMessageInit(entry.message);
  // A locked job was handed to a pulpo worker that did not finish it (pulpo never takes a lock
  // back): that delivery counts, as a lease that ran out counts here.
  const attempts = (init.attempts ?? 0) + (entry.state === "locked" ? 1 : 0);
  if (queue.capabilities.customIds) return { ...init, attempts };
  const { id, ...rest } = init;
  return { ...rest, attempts, header: { ...rest.header, [PULPO_ID_HEADER]: id } };
}

/** Runs the import over an open queue; resolves to the exit code. */
async function runImport(queue: QueueAdapter, settings: ImportSettings, io: CliIo): Promise<number> {
  const read = await loadReader(io);
  const tally: Tally = { imported: 0, exists: 0, locked: 0, corrupt: 0, refused: 0, removed: 0, notRemoved: 0 };

  const report = (outcome: Outcome, entry: PulpoEntry, extra: { newId?: string; error?: string } = {}): void => {
    tally[outcome]++;
    if (settings.json) {
      io.stdout.write(`${JSON.stringify({ outcome, id: entry.id, file: entry.file, ...extra })}\n`);
    } else if (outcome === "corrupt" || outcome === "refused") {
      io.stderr.write(`import: ${outcome} ${entry.file}: ${extra.error ?? ""}\n`);
    } else if (outcome === "locked") {
      io.stderr.write(`import: left ${entry.file}: locked by a pulpo worker (stop pulpo's workers, then --include-locked imports it)\n`);
    }
  };

  const remove = async (file: string): Promise<void> => {
    try {
      await rm(file);
      tally.removed++;
    } catch (error) {
      tally.notRemoved++;
      io.stderr.write(`import: could not remove ${file}: ${describeError(error, 300)}\n`);
    }
  };

  /** Entries in the directory's order; the ones with an `init` go to the queue, the others are only reported. */
  let batch: { readonly entry: PulpoEntry; readonly init?: MessageInit }[] = [];
  const settle = async (entry: PulpoEntry, result: EnqueueResult | undefined): Promise<void> => {
    if (entry.state === "corrupt") report("corrupt", entry, { error: entry.error.message });
    else if (result === undefined) report("locked", entry);
    else if (result.ok) {
      report("imported", entry, result.message.id === entry.id ? {} : { newId: result.message.id });
      if (settings.move) await remove(entry.file);
    } else if (result.error instanceof InvalidArgumentError && result.error.argument === "id" && (await queue.peek(entry.id)) !== null) {
      // Imported before (a re-run, say after a crash): the job is there already and stays as it
      // is; with --move its file goes, as it would have the first time.
      report("exists", entry);
      if (settings.move) await remove(entry.file);
    } else {
      report("refused", entry, { error: describeError(result.error, 500) });
    }
  };
  const store = async (): Promise<void> => {
    const pending = batch;
    batch = [];
    const inits = pending.flatMap((p) => (p.init === undefined ? [] : [p.init]));
    const results = inits.length === 0 ? [] : await enqueueMany(queue, inits);
    let next = 0;
    for (const { entry, init } of pending) await settle(entry, init === undefined ? undefined : results[next++]);
  };

  for await (const entry of read(settings.dir, { timeZone: settings.timeZone })) {
    const wanted = entry.state === "ready" || (entry.state === "locked" && settings.includeLocked);
    batch.push(wanted ? { entry, init: initFor(entry, queue) } : { entry });
    // Reported entries count too, so a directory of corrupt files is never held in memory whole.
    if (batch.length >= settings.batch) await store();
  }
  await store();

  const { imported, exists, locked, corrupt, refused, removed, notRemoved } = tally;
  if (settings.json) {
    io.stdout.write(`${JSON.stringify({ summary: { imported, exists, locked, corrupt, refused, removed, notRemoved } })}\n`);
  } else {
    const moved = settings.move ? `, ${removed} files removed` : "";
    io.stdout.write(
      `import: ${imported} imported, ${exists} already there, ${locked} locked left, ${corrupt} corrupt, ${refused} refused${moved}\n`,
    );
  }
  return locked + corrupt + refused + notRemoved === 0 ? EXIT_OK : EXIT_SOME_FAILED;
}

/** `import`: copies (`--move`: moves) a pulpo file queue's jobs into the queue. */
export const importCommand: Command = {
  usage: "--from pulpo-dir:<dir> [--move] [--include-locked] [--local-time] [--batch <n>] [--json]   (--to <url> is --queue <url>)",
  summary: "import a pulpo file queue's jobs (ids, attempts, delays kept); exit 3 when some were left",
  options: {
    from: { type: "string" },
    to: { type: "string" },
    move: { type: "boolean" },
    "include-locked": { type: "boolean" },
    "local-time": { type: "boolean" },
    batch: { type: "string" },
    json: { type: "boolean" },
  },
  prepare(parsed, io) {
    positionals(parsed, "import", []);
    if (stringArg(parsed, "to") !== undefined && stringArg(parsed, "queue") !== undefined) {
      throw new QueueCliUsageError("import: give --to or --queue, not both");
    }
    const settings: ImportSettings = {
      dir: parseFrom(parsed, io.cwd),
      move: flag(parsed, "move"),
      includeLocked: flag(parsed, "include-locked"),
      timeZone: flag(parsed, "local-time") ? "local" : "utc",
      batch: integerArg(parsed, "batch", DEFAULT_BATCH, 1, MAX_BATCH),
      json: flag(parsed, "json"),
    };
    return (queue) => runImport(queue, settings, io);
  },
};
