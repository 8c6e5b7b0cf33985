import { StringDecoder } from "node:string_decoder";

/**
 * Splits a byte stream into lines. A partial line is kept until its newline arrives (DumbProbe
 * lost it); multi-byte characters split across chunks are decoded correctly. A line longer than
 * `maxLineLength` characters is dropped and counted.
 */
export class LineBuffer {
  readonly #decoder = new StringDecoder("utf8");
  readonly #maxLineLength: number;
  #partial = "";
  #lines: string[] = [];
  #oversized = false;
  /** Lines dropped for being too long since the last {@link LineBuffer.takeDropped}. */
  #dropped = 0;

  constructor(maxLineLength: number) {
    this.#maxLineLength = maxLineLength;
  }

  /** Adds a chunk; returns whether at least one complete line is now waiting. */
  push(chunk: Buffer): boolean {
    const text = this.#partial + this.#decoder.write(chunk);
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    for (const line of parts) this.#keep(line);
    // A trailing "\r" may be the first half of a CRLF split across chunks: it does not count, or a
    // line of exactly the limit would be kept or dropped depending on where the chunk ended.
    const partialLength = this.#partial.length - (this.#partial.endsWith("\r") ? 1 : 0);
    if (partialLength > this.#maxLineLength) {
      // Too long already: drop what we have and skip the rest of this line.
      this.#partial = "";
      if (!this.#oversized) this.#dropped++;
      this.#oversized = true;
    }
    return this.#lines.length > 0;
  }

  /** Ends the stream: a last line without a newline becomes a complete line. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = "";
    if (rest !== "") this.#keep(rest);
    this.#oversized = false;
  }

  /** Removes and returns the complete lines. */
  take(): string[] {
    const lines = this.#lines;
    this.#lines = [];
    return lines;
  }

  /** Removes and returns the count of dropped oversized lines. */
  takeDropped(): number {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }

  #keep(raw: string): void {
    if (this.#oversized) {
      // The tail of a line whose head was already dropped.
      this.#oversized = false;
      return;
    }
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length > this.#maxLineLength) {
      this.#dropped++;
      return;
    }
    if (line.trim() !== "") this.#lines.push(line);
  }
}
