import { createMessage, encode } from "@x/message";
import { describe, expect, it } from "vitest";
import { readJobBody } from "./interop.js";

const read = (body: string | Buffer, id = 42) => readJobBody(id, typeof body === "string" ? Buffer.from(body) : body);

describe("readJobBody", () => {
  it("reads our own messages and gives them the job id", () => {
    const sent = createMessage({ requestType: "mail", payload: { to: "a" }, priority: 3, header: { source: "x" } });
    const reading = read(encode(sent));
    expect(reading).toMatchObject({ kind: "message", format: "message" });
    if (reading.kind !== "message") return;
    expect(reading.message.id).toBe("42");
    expect(reading.message.header).toMatchObject({ requestType: "mail", priority: 3, source: "x" });
    expect(reading.message.body.payload).toEqual({ to: "a" });
  });

  it("reads pulpo messages with legacy dates and without an id", () => {
    const reading = read('{"header":{"request_type":"upper","expiration":"3000-01-01 12:00:00"},"body":{"payload":"hello"}}');
    expect(reading).toMatchObject({ kind: "message", format: "pulpo-without-id" });
    if (reading.kind !== "message") return;
    expect(reading.message.id).toBe("42");
    expect(reading.message.header.requestType).toBe("upper");
    expect(reading.message.header.expiration?.toISOString()).toBe("3000-01-01T12:00:00.000Z");
    expect(reading.message.body.payload).toBe("hello");
  });

  it("reads fivebeans' worker envelope as request type + payload", () => {
    const reading = read('{"type":"resize","payload":{"image":"a.png","sizes":[1,2]}}', 7);
    expect(reading).toMatchObject({ kind: "message", format: "fivebeans" });
    if (reading.kind !== "message") return;
    expect(reading.message.id).toBe("7");
    expect(reading.message.header.requestType).toBe("resize");
    expect(reading.message.body).toEqual({ payload: { image: "a.png", sizes: [1, 2] } });
  });

  it("reads an envelope without a payload", () => {
    const reading = read('{"type":"ping"}');
    expect(reading.kind === "message" && reading.message.body).toEqual({});
  });

  it.each([
    ["plain text", "hello world", "not JSON"],
    ["binary", Buffer.from([0xff, 0xfe, 0x00, 0x01]), "not valid UTF-8"],
    ["a JSON array", "[1,2,3]", "must be a JSON object"],
    ["a JSON string", '"just a string"', "must be a JSON object"],
    ["an envelope with extra keys", '{"type":"x","payload":1,"extra":true}', "not a fivebeans"],
    ["an envelope with an empty type", '{"type":"","payload":1}', "not a fivebeans"],
    ["an envelope with a polluting payload", '{"type":"x","payload":{"__proto__":{"admin":true}}}', "forbidden key"],
    ["a pulpo body with a bad priority", '{"header":{"priority":"high"},"body":{}}', "header.priority"],
    ["an empty body", "", "not JSON"],
  ])("calls %s foreign, with the reason", (_label, body, reason) => {
    const reading = read(body);
    expect(reading.kind).toBe("foreign");
    if (reading.kind === "foreign") expect(reading.reason).toContain(reason);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
