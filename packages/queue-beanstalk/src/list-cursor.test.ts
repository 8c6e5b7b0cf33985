import { InvalidArgumentError } from "@x/message";
import { describe, expect, it } from "vitest";
import { formatCursor, parseCursor } from "./list-cursor.js";

describe("list cursor", () => {
  it("round-trips", () => {
    expect(parseCursor(formatCursor({ after: 41, end: 1_000 }))).toEqual({ after: 41, end: 1_000 });
    expect(parseCursor(formatCursor({ after: 7, end: 7 }))).toEqual({ after: 7, end: 7 });
  });

  it.each(["", "12", "a.b", "3.2", "-1.5", "1.2.3", " 1.2", "1.2 ", "9999999999999999.99999999999999999", "１.２"])(
    "rejects %j with InvalidArgumentError naming the cursor",
    (text) => {
      const err = (() => {
        try {
          parseCursor(text);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe("cursor");
    },
  );
});
