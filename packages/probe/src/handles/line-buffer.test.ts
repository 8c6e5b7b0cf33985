import { describe, expect, it } from "vitest";
import { LineBuffer } from "./line-buffer.js";

describe("LineBuffer", () => {
  it("keeps a partial line until its newline, also a multi-byte character split across chunks", () => {
    const lines = new LineBuffer(100);
    const bytes = Buffer.from("héllo\r\nwor", "utf8");
    expect(lines.push(bytes.subarray(0, 2))).toBe(false); // "h" and half of "é"
    expect(lines.push(bytes.subarray(2))).toBe(true);
    expect(lines.take()).toEqual(["héllo"]);
    expect(lines.push(Buffer.from("ld\n\n  \n"))).toBe(true);
    expect(lines.take()).toEqual(["world"]); // blank lines are skipped
    lines.push(Buffer.from("tail"));
    lines.end();
    expect(lines.take()).toEqual(["tail"]);
  });

  it("drops a line longer than the limit, even one that arrives in many chunks, and counts it", () => {
    const lines = new LineBuffer(5);
    lines.push(Buffer.from("ok\n123"));
    lines.push(Buffer.from("4567"));
    lines.push(Buffer.from("89\nnext\n"));
    expect(lines.take()).toEqual(["ok", "next"]);
    expect(lines.takeDropped()).toBe(1);
    lines.push(Buffer.from("toolong\n"));
    expect(lines.take()).toEqual([]);
    expect(lines.takeDropped()).toBe(1);
    expect(lines.takeDropped()).toBe(0);
  });

  it("a line of exactly the limit ending in CRLF is kept however the chunks split the CR from the LF", () => {
    const lines = new LineBuffer(5);
    for (const byte of Buffer.from("12345\r\nabcde\r\n")) lines.push(Buffer.from([byte]));
    expect(lines.take()).toEqual(["12345", "abcde"]);
    expect(lines.takeDropped()).toBe(0);
  });
});
