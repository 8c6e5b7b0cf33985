/**
 * `put --from`: jobs from an NDJSON file or stdin, stored in batches through `enqueueMany` (the
 * adapter's batch path, or one enqueue after another where it has none). A bad line is reported
 * with its number and the load goes on.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { enqueueMany, type MessageInit, type QueueAdapter } from "@x/message";
import { describeError } from "../describe-error.js";
import { JobLineError, QueueCliUsageError } from "../errors.js";
import type { CliIo } from "./command.js";
import { parseJobLine } from "./job-line.js";
import { errorJson, writeJson } from "./output.js";
import { type LoadState, loadProgress, type ProgressStream } from "./progress.js";

/** Jobs per `enqueueMany` call when `--batch` is not given. */
export const DEFAULT_PUT_BATCH = 1_000;

/** What a load did. */
export interface LoadResult extends LoadState {
  /** Ctrl-C stopped it before the end of the input. */
  readonly interrupted: boolean;
}

/** Where the jobs come from: `-` is stdin, anything else a file relative to the working directory. */
async function openInput(from: string, io: CliIo): Promise<{ input: Readable; size: number | undefined }> {
  if (from === "-") {
    if (io.stdin === undefined) throw new QueueCliUsageError("put --from -: this process has no stdin");
    return { input: io.stdin, size: undefined };
  }
  const path = resolve(io.cwd, from);
  const info = await stat(path);
  const input = createReadStream(path);
  // A FIFO or a device has no size to measure progress against.
  return { input, size: info.isFile() ? info.size : undefined };
}

/** Reads every line, stores the jobs batch by batch, and reports progress and bad lines on stderr. */
export async function putFrom(
  queue: QueueAdapter,
  options: {
    readonly from: string;
    readonly batch: number;
    readonly json: boolean;
    readonly header: Readonly<Record<string, unknown>>;
    readonly signal: AbortSignal;
  },
  io: CliIo,
  progressTo: ProgressStream = io.stderr,
): Promise<LoadResult> {
  const { input, size } = await openInput(options.from, io);
  // Bytes of the lines handled, not of the stream read ahead, so that the bar follows the jobs.
  let consumed = 0;
  const report = loadProgress(progressTo, "put", size);
  let state = { lines: 0, stored: 0, failed: 0, bytes: 0 };
  const fail = (error: Error & { readonly code?: string }, line: number): void => {
    state = { ...state, failed: state.failed + 1 };
    // The toolkit's errors say what is wrong in their message; anything else is described with its class.
    const detail = typeof error.code === "string" && error.code.startsWith("ERR_X_") ? error.message : describeError(error, 300);
    const message = error instanceof JobLineError ? error.message : `line ${line}: ${detail}`;
    if (options.json) writeJson(io.stderr, errorJson({ code: typeof error.code === "string" ? error.code : null, message, line }));
    else report.note(`put: ${message}`);
  };
  let batch: MessageInit[] = [];
  let batchLines: number[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const results = await enqueueMany(queue, batch);
    results.forEach((result, index) => {
      if (result.ok) state = { ...state, stored: state.stored + 1 };
      else fail(result.error, batchLines[index] ?? 0);
    });
    batch = [];
    batchLines = [];
    state = { ...state, bytes: consumed };
    report.update(state);
  };
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let interrupted = false;
  // Ctrl-C while waiting for stdin: end the read; what was read is still stored.
  const stop = (): void => {
    interrupted = true;
    lines.close();
  };
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const text of lines) {
      if (options.signal.aborted) {
        interrupted = true;
        break;
      }
      consumed += Buffer.byteLength(text, "utf8") + 1;
      const number = state.lines + 1;
      state = { ...state, lines: number };
      if (text.trim() === "") continue;
      try {
        batch.push(parseJobLine(text, number, options.header));
        batchLines.push(number);
      } catch (error) {
        fail(error as Error, number);
      }
      if (batch.length >= options.batch) await flush();
    }
    await flush();
  } finally {
    options.signal.removeEventListener("abort", stop);
    lines.close();
    input.destroy();
  }
  state = { ...state, bytes: size ?? 0 };
  report.finish(state);
  return { ...state, interrupted };
}
