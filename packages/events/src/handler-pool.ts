import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkOptionKeys, describeValue, InvalidOptionError, integerOption, type Logger, loggerOption } from "@x/core";
import Tinypool from "tinypool";
import type { HandlerContext } from "./actor.js";
import type { JobInfo } from "./middleware.js";
import { acquireEntry, releaseEntry } from "./pool-entry.js";

/** Where a pool runs handlers: worker threads, or child processes (walnats' `ExecuteIn.THREAD` / `PROCESS`). */
export type ExecuteIn = "thread" | "process";

/** What a pooled handler gets: the decoded payload and the job's details (its signal stays in the actor). */
export interface PoolTask<T> {
  readonly payload: T;
  readonly job: JobInfo;
}

/** Options of {@link createHandlerPool}. */
export interface HandlerPoolOptions {
  /**
   * The module whose named exports are the handlers, each `(task: PoolTask<T>) => result`. It is
   * loaded by plain Node in each worker, so it is JavaScript (your build's output), not TypeScript.
   */
  readonly filename: string | URL;
  /** Threads (CPU-bound work sharing memory limits) or processes (full isolation). @default "thread" */
  readonly executeIn?: ExecuteIn;
  /** Workers at most. @default `os.availableParallelism()` */
  readonly maxWorkers?: number;
  /**
   * The heap limit of each worker, in MiB: a handler that goes beyond it kills only its worker
   * (the job fails and is retried; a new worker takes its place). @default Node's own limit
   */
  readonly maxMemoryMb?: number;
  /** Where a worker that died between jobs is reported (`warn`). @default silent */
  readonly logger?: Logger;
}

/** A pool of worker threads or processes that runs handlers off the event loop. */
export interface HandlerPool extends AsyncDisposable {
  /** Where the pool runs handlers. */
  readonly executeIn: ExecuteIn;
  /**
   * A handler for `Actor` that runs the module's export `name` in the pool. The job keeps its
   * semantics: it is acked, pulsed and retried by the actor in this process; `jobTimeoutMs` (and a
   * shutdown past the drain deadline) terminates the worker running it; a worker that crashes or
   * runs out of memory fails the job, which is retried, and the pool starts a new worker (in a
   * thread, `process.exit()` throws instead, failing the job the same way).
   */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T types the payload the actor hands over
  handler<T, R = unknown>(name: string): (payload: T, context: HandlerContext) => Promise<R>;
  /** Stops every worker. Idempotent. Actors using the pool must have stopped listening. */
  close(): Promise<void>;
}

const POOL_OPTIONS = ["filename", "executeIn", "maxWorkers", "maxMemoryMb", "logger"] as const;

/**
 * Creates a pool of worker threads or child processes (tinypool, a maintained pool) for
 * CPU-heavy handlers: walnats' `execute_in`. Payloads and results cross the boundary by
 * structured clone (threads) or serialization (processes), so they must be plain data.
 */
export function createHandlerPool(options: HandlerPoolOptions): HandlerPool {
  checkOptionKeys(options, POOL_OPTIONS, "createHandlerPool");
  const { filename } = options;
  if (typeof filename !== "string" && !(filename instanceof URL))
    throw new InvalidOptionError("filename", filename, "must be a path or a file URL");
  const executeIn: unknown = options.executeIn ?? "thread";
  if (executeIn !== "thread" && executeIn !== "process")
    throw new InvalidOptionError("executeIn", executeIn, 'must be "thread" or "process"');
  const maxWorkers = integerOption("maxWorkers", options.maxWorkers, availableParallelism(), 1);
  const maxMemoryMb = options.maxMemoryMb === undefined ? undefined : integerOption("maxMemoryMb", options.maxMemoryMb, 0, 8);
  const href = filename instanceof URL ? filename.href : pathToFileURL(resolve(filename)).href;
  const pool = new Tinypool({
    filename: acquireEntry(),
    runtime: executeIn === "thread" ? "worker_threads" : "child_process",
    minThreads: 0,
    maxThreads: maxWorkers,
    ...(maxMemoryMb === undefined
      ? {}
      : executeIn === "thread"
        ? { resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb } }
        : { execArgv: [`--max-old-space-size=${maxMemoryMb}`] }),
  });
  const logger = loggerOption(options.logger);
  // A worker that dies while idle is an "error" event of the pool: unheard, it would crash the
  // process running the actors. A worker that dies during a job fails that job instead.
  pool.on("error", (error: unknown) => {
    logger.warn({ executeIn, error: describeValue(error) }, "handler pool worker died between jobs");
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= pool.destroy().finally(releaseEntry));
  return Object.freeze({
    executeIn,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T types the payload the actor hands over
    handler<T, R>(name: string): (payload: T, context: HandlerContext) => Promise<R> {
      if (typeof name !== "string" || name === "") throw new InvalidOptionError("name", name, "must name an export of the pool's module");
      return async (payload: T, context: HandlerContext): Promise<R> => {
        const task: PoolTask<T> = { payload, job: jobInfo(context) };
        // The worker's result crosses as plain data; its type is the module's promise.
        return (await pool.run({ href, name, task }, { name: "run", signal: context.signal })) as R;
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** The job's details as plain data (the headers record has no prototype, which a clone would keep or refuse). */
function jobInfo(context: HandlerContext): JobInfo {
  return {
    actor: context.actor,
    event: context.event,
    attempt: context.attempt,
    maxAttempts: context.maxAttempts,
    seq: context.seq,
    uid: context.uid,
    traceId: context.traceId,
    headers: { ...context.headers },
  };
}
