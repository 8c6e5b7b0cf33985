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

/** Where a `put --from` load stands. */
export interface LoadState {
  /** Lines handled so far (stored, failed or blank). */
  readonly lines: number;
  readonly stored: number;
  readonly failed: number;
  /** Bytes of the input read, when its size is known. */
  readonly bytes: number;
}

/** Progress of a load whose size in jobs is not known up front (a file is measured in bytes, stdin not at all). */
export interface LoadProgress {
  update(state: LoadState): void;
  /** Writes a line of its own (a bad job line), keeping the bar intact on a terminal. */
  note(text: string): void;
  /** Writes the final state (always). */
  finish(state: LoadState): void;
}

/** Without a known size, a plain progress line every this many lines. */
export const LOAD_LINE_EVERY = 1_000;
const BAR_WIDTH = 20;

const counts = (s: LoadState): string => `${s.stored.toLocaleString("en-US")} stored, ${s.failed.toLocaleString("en-US")} failed`;

/**
 * On a terminal, a bar (by bytes of a file) or a running count (stdin), redrawn in place at most
 * every 100 ms; elsewhere a plain line at each 10 % of a file, or every {@link LOAD_LINE_EVERY}
 * lines of stdin.
 */
export function loadProgress(
  stream: ProgressStream,
  label: string,
  totalBytes: number | undefined,
  now: () => number = Date.now,
): LoadProgress {
  const tty = stream.isTTY === true;
  const known = totalBytes !== undefined && totalBytes > 0;
  const percent = (s: LoadState): number => (known ? Math.min(100, Math.floor((s.bytes * 100) / totalBytes)) : 0);
  const bar = (s: LoadState): string => {
    if (!known) return `${label}: ${counts(s)}`;
    const filled = Math.round((percent(s) * BAR_WIDTH) / 100);
    return `${label}: [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${String(percent(s)).padStart(3)}%  ${counts(s)}`;
  };
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastStep = 0;
  let drawn = false;
  return {
    update(s) {
      if (tty) {
        if (now() - lastDraw < REDRAW_MS) return;
        lastDraw = now();
        drawn = true;
        stream.write(`\r\x1b[2K${bar(s)}`);
        return;
      }
      const step = known ? Math.floor(percent(s) / 10) : Math.floor(s.lines / LOAD_LINE_EVERY);
      if (step > lastStep) {
        lastStep = step;
        stream.write(known ? `${label}: ${percent(s)}% (${counts(s)})\n` : `${label}: ${counts(s)}\n`);
      }
    },
    note(text) {
      stream.write(tty && drawn ? `\r\x1b[2K${text}\n` : `${text}\n`);
      // The next update redraws the bar under the note.
      lastDraw = Number.NEGATIVE_INFINITY;
    },
    finish(s) {
      stream.write(tty ? `\r\x1b[2K${bar(s)}\n` : `${label}: done (${counts(s)})\n`);
    },
  };
}
