import { sleep, systemTime } from "@x/core";
import type { QueueStats } from "@x/message";
import { flag, millisecondsArg, positionals } from "./args.js";
import type { Command } from "./command.js";
import { untilInterrupted } from "./interrupt.js";
import { isoTime } from "./output.js";
import { formatRates, type Rates, ratesBetween, type StatsSample } from "./rates.js";

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
  return figures.map(([name, value]) => `${name} ${value}`).join("  ") + (stats.paused === true ? "  (paused)" : "");
}

/** A `stats --watch --json` line: the counts, when, and the rates since the line before (`null` on the first). */
function watchJson(sample: StatsSample, wallMs: number, rates: Rates | null): string {
  return JSON.stringify({ ...sample.stats, at: isoTime(wallMs), rates });
}

/** `stats`: job counts by state, once or (`--watch`) refreshed with rates until Ctrl-C. */
export const stats: Command = {
  usage: "[--json] [--watch [--interval <ms>]]",
  summary: "job counts by state; --watch refreshes, with rates, until Ctrl-C",
  options: { watch: { type: "boolean" }, interval: { type: "string" } },
  readOnly: true,
  prepare(parsed, io) {
    positionals(parsed, "stats", []);
    const json = flag(parsed, "json");
    const watch = flag(parsed, "watch");
    // 0 would redraw as fast as the queue answers: a busy loop, not a refresh.
    const intervalMs = millisecondsArg(parsed, "interval", DEFAULT_WATCH_INTERVAL_MS, { positive: true, timer: true });
    return async (queue) => {
      if (!watch) {
        const figures = await queue.stats();
        io.stdout.write(`${json ? JSON.stringify(figures) : formatStats(figures)}\n`);
        return 0;
      }
      const interrupt = untilInterrupted();
      // On a terminal the line is redrawn in place; in a log every refresh is its own line.
      const tty = io.stdout.isTTY === true && !json;
      let previous: StatsSample | undefined;
      try {
        while (!interrupt.signal.aborted) {
          const sample: StatsSample = { stats: await queue.stats(), atMs: systemTime.now() };
          const rates = previous === undefined ? null : ratesBetween(previous, sample);
          previous = sample;
          const line = json ? watchJson(sample, systemTime.wallNow(), rates) : `${formatStats(sample.stats)}  |  ${formatRates(rates)}`;
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
