import { type QueueAdapter, UnsupportedOperationError } from "@x/message";
import { flag, positionals } from "./args.js";
import type { Command } from "./command.js";
import { EXIT_OK } from "./exit-codes.js";
import { writeJson } from "./output.js";

function pauseCommand(paused: boolean): Command {
  const name = paused ? "pause" : "resume";
  return {
    usage: "[--json]",
    summary: paused
      ? "stop handing out jobs, for every worker of the queue (enqueue still works, running jobs finish)"
      : "hand out jobs again after pause",
    options: {},
    prepare(parsed, io) {
      positionals(parsed, name, []);
      const json = flag(parsed, "json");
      return async (queue: QueueAdapter) => {
        if (paused) {
          if (!queue.pause) throw new UnsupportedOperationError(queue.name, "pause a queue");
          await queue.pause();
        } else {
          if (!queue.resume) throw new UnsupportedOperationError(queue.name, "resume a queue");
          await queue.resume();
        }
        if (json) writeJson(io.stdout, { paused });
        else io.stdout.write(`${name}: the queue is ${paused ? "paused" : "running"}\n`);
        return EXIT_OK;
      };
    },
  };
}

/** `pause`: the queue hands out nothing until `resume`; idempotent. */
export const pause: Command = pauseCommand(true);
/** `resume`: the queue hands out jobs again; idempotent. */
export const resume: Command = pauseCommand(false);
