import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { CloudEvent } from "./cloud-event.js";
import { buildHeaders } from "./headers.js";

describe("CloudEvent with line breaks", () => {
  it.each(["id", "source", "type", "subject", "dataschema", "traceparent"] as const)(
    "refuses CR/LF in %s with an InvalidOptionError naming the field",
    (field) => {
      const init = { id: "1", source: "/s", type: "t", [field]: "a\r\nInjected: yes" };
      let caught: unknown;
      try {
        buildHeaders({ meta: CloudEvent(init) });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionError);
      expect((caught as InvalidOptionError).option).toBe(`CloudEvent.${field}`);
    },
  );

  it("refuses a line break in an envelope that was built around the factory too", () => {
    const forged = { ...CloudEvent({ id: "1", source: "/s", type: "t" }), subject: "x\ny" };
    expect(() => buildHeaders({ meta: forged })).toThrow(InvalidOptionError);
  });
});
