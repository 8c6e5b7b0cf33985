import { sleep } from "@x/core";
import type { QueueStats } from "@x/message";
import { flag, millisecondsArg, positionals } from "./args.js";
import type { Command } from "./command.js";
import { untilInterrupted } from "./interrupt.js";

/** Refresh period of `stats --watch` when `--interval` is not given. */
const DEFAULT_WATCH_INTERVAL_MS = 1_000;

function formatStats(stats: QueueStats): string {
  const figures: [string, number][] = [
    ["ready", stats.ready],
    ["delayed", stats.delayed],
    ["reserved", stats.reserved],
    ["buried", stats.buried],
    ...Object.entries(stats.extra ?? {}),
  ];
  return figures.map(([name, value]) => `${name} ${value}`).join("  ");
}

/** `stats`: job counts by state, once or (`--watch`) refreshed until Ctrl-C. */
export const stats: Command = {
  usage: "[--json] [--watch [--interval <ms>]]",
  summary: "job counts by state; --watch refreshes until Ctrl-C",
  options: { json: { type: "boolean" }, watch: { type: "boolean" }, interval: { type: "string" } },
  prepare(parsed, io) {
    positionals(parsed, "stats", []);
    const json = flag(parsed, "json");
    const watch = flag(parsed, "watch");
    // 0 would redraw as fast as the queue answers: a busy loop, not a refresh.
    const intervalMs = millisecondsArg(parsed, "interval", DEFAULT_WATCH_INTERVAL_MS, { positive: true, timer: true });
    const render = (figures: QueueStats): string => (json ? JSON.stringify(figures) : formatStats(figures));
    return async (queue) => {
      if (!watch) {
        io.stdout.write(`${render(await queue.stats())}\n`);
        return 0;
      }
      const interrupt = untilInterrupted();
      // On a terminal the line is redrawn in place; in a log every refresh is its own line.
      const tty = io.stdout.isTTY === true && !json;
      try {
        while (!interrupt.signal.aborted) {
          const line = render(await queue.stats());
          io.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
          // Ctrl-C rejects the sleep: the loop then sees the abort and ends.
          await sleep(intervalMs, interrupt.signal).catch(() => undefined);
        }
      } finally {
        interrupt.dispose();
        if (tty) io.stdout.write("\n");
      }
      return 0;
    };
  },
};
