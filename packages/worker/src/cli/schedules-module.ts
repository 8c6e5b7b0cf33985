/**
 * `x-queue work --schedules <module>`: runs `@x/schedule`'s schedules beside the worker. The
 * package is loaded like an adapter (the worker does not depend on it) and typed here by the
 * little the CLI uses of it.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "@x/core";
import type { Message, QueueAdapter } from "@x/message";
import { describeError } from "../describe-error.js";
import { AdapterNotInstalledError, SchedulesModuleError } from "../errors.js";
import { importPackage } from "./queue-url.js";

/** What the CLI hears of a running scheduler. */
export interface RunningSchedules {
  on(event: "enqueued", listener: (e: { readonly name: string; readonly at: Date; readonly message: Message }) => void): () => void;
  on(event: "error", listener: (e: { readonly name: string; readonly at: Date | undefined; readonly error: unknown }) => void): () => void;
  close(): Promise<void>;
}

type StartSchedules = (
  queue: QueueAdapter,
  schedules: readonly unknown[],
  options: { readonly signal: AbortSignal; readonly logger: Logger; readonly stateDir?: string },
) => RunningSchedules;

/** Where the CLI finds what it needs to start schedules. */
export interface SchedulesContext {
  readonly cwd: string;
  readonly cliUrl: string;
}

/** The schedule definitions a module exports: its `schedules` export, or its default export. */
export async function loadSchedules(path: string, cwd: string): Promise<readonly unknown[]> {
  const file = resolve(cwd, path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new SchedulesModuleError(`cannot load the schedules module ${file}: ${describeError(error, 500)}`, { cause: error });
  }
  const schedules = module.schedules ?? module.default;
  if (!Array.isArray(schedules)) {
    throw new SchedulesModuleError(`${file} must export \`schedules\` (or a default export): an array of schedule definitions`);
  }
  return schedules as readonly unknown[];
}

/**
 * Starts the module's schedules on `queue` through `@x/schedule`'s `startSchedules`; the caller
 * closes what it returns when the worker stops.
 * @throws SchedulesModuleError when the module or `@x/schedule` cannot be used, or a definition is wrong.
 */
export async function startSchedulesModule(
  path: string,
  queue: QueueAdapter,
  options: { readonly signal: AbortSignal; readonly logger: Logger; readonly stateDir?: string },
  context: SchedulesContext,
): Promise<RunningSchedules> {
  let module: Record<string, unknown>;
  try {
    module = (await importPackage("@x/schedule", "schedules", context.cwd, context.cliUrl)) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof AdapterNotInstalledError)) throw error;
    throw new SchedulesModuleError(
      "--schedules needs the package @x/schedule, which is not installed; install it with: npm install @x/schedule",
      {
        cause: error,
      },
    );
  }
  const start = module.startSchedules;
  if (typeof start !== "function") throw new SchedulesModuleError("@x/schedule has no startSchedules() export (too old?)");
  const schedules = await loadSchedules(path, context.cwd);
  try {
    return (start as StartSchedules)(queue, schedules, options);
  } catch (error) {
    throw new SchedulesModuleError(`--schedules ${path}: ${describeError(error, 500)}`, { cause: error });
  }
}
