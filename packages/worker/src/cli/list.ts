import { type JobListing, type JobPage, MAX_LIST_LIMIT, UnsupportedOperationError } from "@x/message";
import { QueueCliUsageError } from "../errors.js";
import { flag, integerArg, positionals, stateArg, stringArg } from "./args.js";
import type { Command } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit-codes.js";
import { isoTime, jobJson, writeJson } from "./output.js";

/** One job on one line, as people read it: what an operator asks about a job in that state. */
export function describeListing(job: JobListing): string {
  const parts = [job.id, job.requestType === "" ? "(no type)" : job.requestType, `priority ${job.priority}`, `attempts ${job.attempts}`];
  if (job.enqueuedAt !== undefined) parts.push(`enqueued ${isoTime(job.enqueuedAt)}`);
  if (job.readyAt !== undefined) parts.push(`ready at ${isoTime(job.readyAt)}`);
  if (job.leaseHolder !== undefined) parts.push(`held by ${job.leaseHolder}`);
  if (job.leaseEndsAt !== undefined) parts.push(`lease ends ${isoTime(job.leaseEndsAt)}`);
  if (job.progress !== undefined) parts.push(`progress ${JSON.stringify(job.progress)}`);
  if (job.buriedAt !== undefined) parts.push(`buried ${isoTime(job.buriedAt)}`);
  if (job.buryReason !== undefined) parts.push(`reason: ${job.buryReason.replace(/\s+/g, " ")}`);
  return parts.join("  ");
}

/**
 * `list`: the jobs in one state, page after page, until the last or until `--limit` jobs. When
 * `--limit` stops it early, the cursor to continue from goes to stderr.
 */
export const list: Command = {
  usage: "--state ready|delayed|reserved|buried [--type <request_type>] [--limit <n>] [--cursor <c>] [--json]",
  summary: "list the jobs in one state (every one, or --limit of them), with what each state tells",
  options: { state: { type: "string" }, type: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } },
  readOnly: true,
  prepare(parsed, io) {
    positionals(parsed, "list", []);
    const state = stateArg(parsed, "list");
    if (state === undefined) throw new QueueCliUsageError("list: --state <ready|delayed|reserved|buried> is required");
    const requestType = stringArg(parsed, "type");
    const limit = integerArg(parsed, "limit", Number.POSITIVE_INFINITY, 1);
    const firstCursor = stringArg(parsed, "cursor");
    if (firstCursor === "") throw new QueueCliUsageError("list: --cursor must not be empty");
    const json = flag(parsed, "json");
    return async (queue) => {
      if (!queue.list) throw new UnsupportedOperationError(queue.name, "list jobs");
      let cursor = firstCursor;
      let shown = 0;
      let failed = false;
      for (;;) {
        // A page never holds more than what is left of --limit, so its cursor is exactly where we stop.
        const pageLimit = Math.min(MAX_LIST_LIMIT, limit - shown);
        const page: JobPage = await queue.list({
          state,
          limit: pageLimit,
          ...(requestType === undefined ? {} : { requestType }),
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const job of page.jobs) {
          if (json) {
            const { line, problem } = jobJson(job);
            writeJson(io.stdout, line);
            if (problem !== undefined) {
              failed = true;
              writeJson(io.stderr, { error: { code: null, message: `job ${job.id} cannot be shown in full: ${problem}` } });
            }
          } else {
            io.stdout.write(`${describeListing(job)}\n`);
          }
        }
        shown += page.jobs.length;
        if (page.cursor === null) break;
        cursor = page.cursor;
        if (shown >= limit) {
          if (json) writeJson(io.stderr, { cursor });
          else io.stderr.write(`list: more jobs after these ${shown}; continue with --cursor ${cursor}\n`);
          break;
        }
      }
      if (!json)
        io.stderr.write(
          `list: ${shown} ${state} job${shown === 1 ? "" : "s"}${requestType === undefined ? "" : ` of type ${JSON.stringify(requestType)}`}\n`,
        );
      return failed ? EXIT_FAILURE : EXIT_OK;
    };
  },
};
