import { describe, expect, it } from "vitest";
import { JobLineError } from "../errors.js";
import { parseJobLine } from "./job-line.js";

const header = { source: "x-queue" };

describe("parseJobLine", () => {
  it("reads every documented field", () => {
    const line = JSON.stringify({
      id: "job-1",
      type: "send_email",
      payload: { to: "ada@example.com" },
      priority: -1,
      delayMs: 5_000,
      expiresInMs: 60_000,
      attempts: 2,
      header: { tenant: "acme" },
      body: { subject: "hi" },
    });
    expect(parseJobLine(line, 1, header)).toEqual({
      id: "job-1",
      requestType: "send_email",
      payload: { to: "ada@example.com" },
      priority: -1,
      delayMs: 5_000,
      expiresInMs: 60_000,
      attempts: 2,
      header: { source: "x-queue", tenant: "acme" },
      body: { subject: "hi" },
    });
  });

  it("takes requestType for type, and dates as ISO-8601 or epoch ms", () => {
    const init = parseJobLine('{"requestType":"t","delay":"2030-01-02T03:04:05Z","expiration":1900000000000}', 7, header);
    expect(init.requestType).toBe("t");
    expect(init.delay?.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(init.expiration?.getTime()).toBe(1_900_000_000_000);
  });

  it("keeps a null payload, leaves out a missing one", () => {
    expect(parseJobLine('{"payload":null}', 1, header)).toHaveProperty("payload", null);
    expect(parseJobLine("{}", 1, header)).not.toHaveProperty("payload");
  });

  it.each([
    ["not JSON", "{nope", /^line 3: not JSON/],
    ["an array", "[1]", /^line 3: must be a JSON object/],
    ["an unknown field", '{"tpye":"t"}', /^line 3: unknown field "tpye"; the fields are id, type, requestType/],
    ["type and requestType", '{"type":"a","requestType":"b"}', /not both/],
    ["a priority that is text", '{"priority":"high"}', /`priority` must be a number/],
    ["a header that is not an object", '{"header":[1]}', /`header` must be an object/],
    ["a date that is not one", '{"delay":"tomorrow"}', /`delay` must be an ISO-8601 date or epoch ms, got "tomorrow"/],
  ])("refuses %s with the line number", (_what, text, message) => {
    let caught: unknown;
    try {
      parseJobLine(text, 3, header);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JobLineError);
    expect((caught as JobLineError).line).toBe(3);
    expect((caught as JobLineError).code).toBe("ERR_X_WORKER_CLI_JOB_LINE");
    expect((caught as JobLineError).message).toMatch(message);
  });
});
