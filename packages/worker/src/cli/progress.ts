/** Where progress goes: a stream, and whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Reports `done / total` of a long operation. */
export interface Progress {
  update(done: number): void;
  /** Writes the final state (always). */
  finish(done: number): void;
}

/** Shortest time between two redraws on a terminal, so progress costs nothing measurable. */
const REDRAW_MS = 100;

const format = (label: string, done: number, total: number): string =>
  `${label}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} (${Math.floor((done * 100) / total)}%)`;

/**
 * On a terminal, one line redrawn in place at most every 100 ms; elsewhere (logs, pipes) a line
 * at each 10 % step, so logs stay short.
 */
export function progress(stream: ProgressStream, label: string, total: number, now: () => number = Date.now): Progress {
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastStep = 0;
  return {
    update(done) {
      if (stream.isTTY === true) {
        if (now() - lastDraw < REDRAW_MS) return;
        lastDraw = now();
        stream.write(`\r\x1b[2K${format(label, done, total)}`);
        return;
      }
      const step = Math.floor((done * 10) / total);
      if (step > lastStep && done < total) {
        lastStep = step;
        stream.write(`${format(label, done, total)}\n`);
      }
    },
    finish(done) {
      stream.write(stream.isTTY === true ? `\r\x1b[2K${format(label, done, total)}\n` : `${format(label, done, total)}\n`);
    },
  };
}
