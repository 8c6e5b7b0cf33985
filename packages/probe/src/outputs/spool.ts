/**
 * A FIFO of encoded lines bounded in bytes (DumbProbe's `MemorySpooler`): adding beyond the bound
 * drops the oldest lines. Lines that were taken but not delivered can be put back at the front.
 */
export class Spool {
  readonly #limit: number;
  #items: Buffer[] = [];
  #head = 0;
  #bytes = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a line; returns how many old lines were dropped to make room. */
  push(line: Buffer): number {
    this.#items.push(line);
    this.#bytes += line.length;
    let dropped = 0;
    while (this.#bytes > this.#limit && this.length > 1) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  /** Removes and returns the oldest line. */
  shift(): Buffer | undefined {
    const line = this.#items[this.#head];
    if (line === undefined) return undefined;
    this.#items[this.#head] = undefined as unknown as Buffer;
    this.#head++;
    this.#bytes -= line.length;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return line;
  }

  /**
   * Puts undelivered lines back at the front, oldest first; returns how many lines were dropped
   * (the oldest) if that exceeds the bound.
   */
  unshift(lines: readonly Buffer[]): number {
    if (lines.length === 0) return 0;
    this.#items = [...lines, ...this.#items.slice(this.#head)];
    this.#head = 0;
    for (const line of lines) this.#bytes += line.length;
    let dropped = 0;
    while (this.#bytes > this.#limit && this.length > 1) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }
}
