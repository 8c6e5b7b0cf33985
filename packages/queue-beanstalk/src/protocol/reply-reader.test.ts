import { describe, expect, it } from "vitest";
import { MAX_REPLY_LINE_BYTES, readReply } from "./reply-reader.js";

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
