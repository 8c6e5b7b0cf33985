import { describe, expect, it } from "vitest";
import { FastReply, MAX_REPLY_LINE_BYTES, readReply, readReplyFast } from "./reply-reader.js";

const read = (text: string, expected: string): ReturnType<typeof readReply> => readReply(Buffer.from(text, "latin1"), 0, expected);

describe("readReply", () => {
  it("reads the expected word with its arguments, and a body as bytes", () => {
    expect(read("INSERTED 12\r\n", "INSERTED")).toEqual({ kind: "reply", end: 13, success: true, values: ["12"] });
    const reserved = read("RESERVED 7 5\r\nhello\r\nDELETED\r\n", "RESERVED");
    expect(reserved).toMatchObject({ kind: "reply", end: 21, success: true });
    expect(reserved.kind === "reply" && reserved.values.map(String)).toEqual(["7", "hello"]);
    expect(read("OK 0\r\n\r\n", "OK")).toMatchObject({ kind: "reply", end: 8, values: [Buffer.alloc(0)] });
  });

  it("hands a documented error word over as the failure, arguments or not", () => {
    expect(read("NOT_FOUND\r\n", "DELETED")).toEqual({ kind: "reply", end: 11, success: false, values: ["NOT_FOUND"] });
    expect(read("BURIED 9\r\n", "INSERTED")).toEqual({ kind: "reply", end: 10, success: false, values: ["BURIED"] });
  });

  it("waits for the rest of a reply", () => {
    for (const text of ["", "INSER", "INSERTED 1\r", "RESERVED 7 5\r\nhel", "RESERVED 7 5\r\nhello\r"]) {
      expect(read(text, text.startsWith("R") ? "RESERVED" : "INSERTED")).toEqual({ kind: "incomplete" });
    }
  });

  it.each([
    ["an unknown word", "HELLO\r\n", "INSERTED"],
    ["a word meant for another command", "USING t\r\n", "INSERTED"],
    ["a prototype key", "__proto__ 3\r\nabc\r\n", "OK"],
    ["a negative length", "RESERVED 1 -2\r\nabc\r\n", "RESERVED"],
    ["a length that is not a plain number", "OK 1e1\r\n0123456789\r\n", "OK"],
    ["a missing argument", "RESERVED 5\r\nhello\r\n", "RESERVED"],
    ["a body without CRLF", "FOUND 1 3\r\nabcXY", "FOUND"],
    ["a CR without LF", "DELETED\rX", "DELETED"],
    ["a control byte", "DELETED\u0000\r\n", "DELETED"],
    ["two spaces", "INSERTED  1\r\n", "INSERTED"],
    ["a line with no end", "A".repeat(MAX_REPLY_LINE_BYTES + 1), "INSERTED"],
  ])("calls %s malformed", (_what, text, expected) => {
    expect(read(text, expected).kind).toBe("malformed");
  });
});

describe("readReplyFast", () => {
  const fast = (text: string, expected: string): FastReply | false => {
    const into = new FastReply();
    return readReplyFast(Buffer.from(text, "latin1"), 0, expected, into) ? into : false;
  };

  it("reads the common replies, ids as numbers and bodies as bytes", () => {
    expect(fast("INSERTED 12\r\n", "INSERTED")).toMatchObject({ end: 13, first: 12, second: undefined });
    expect(fast("DELETED\r\nINSERTED 1\r\n", "DELETED")).toMatchObject({ end: 9, first: undefined, second: undefined });
    const reserved = fast("RESERVED 7 5\r\nhello\r\nDELETED\r\n", "RESERVED");
    expect(reserved && reserved.end).toBe(21);
    expect(reserved && [reserved.first, String(reserved.second)]).toEqual([7, "hello"]);
    const ok = fast("OK 3\r\nabc\r\n", "OK");
    expect(ok && [ok.end, String(ok.first), ok.second]).toEqual([11, "abc", undefined]);
  });

  it("leaves everything else to readReply: error words, partial replies, odd or malformed ones", () => {
    for (const [text, expected] of [
      ["NOT_FOUND\r\n", "DELETED"],
      ["BURIED 9\r\n", "INSERTED"],
      ["INSERTED 12\r", "INSERTED"],
      ["RESERVED 7 5\r\nhel", "RESERVED"],
      ["RESERVED 7 5\r\nhelloXY", "RESERVED"],
      ["INSERTED 1 2\r\n", "INSERTED"],
      ["INSERTED -1\r\n", "INSERTED"],
      ["INSERTED 12345678901\r\n", "INSERTED"],
      ["DELETEDX\r\n", "DELETED"],
      ["USING t\r\n", "USING"],
      ["OK 2\r\nabc\r\n", "OK"],
    ] as const) {
      expect(fast(text, expected), text).toBe(false);
    }
  });
});
