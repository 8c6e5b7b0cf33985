import { headers as natsHeaders } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { deliveredHeaders, headerRecord, parseHeaderBlock } from "./nats-headers.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("parseHeaderBlock", () => {
  it("reads the first value of each header, trimmed, after the status line", () => {
    const block = "NATS/1.0\r\nNats-Msg-Id: u-1\r\nWalnats-Trace:  t 1 \r\nhello: a:b:c\r\nhello: second\r\nnote: héllo\r\n\r\n";
    expect(parseHeaderBlock(bytes(block))).toEqual({ "Nats-Msg-Id": "u-1", "Walnats-Trace": "t 1", hello: "a:b:c", note: "héllo" });
  });

  it("agrees with the client's own parser (the MsgHdrs a publisher builds, encoded)", () => {
    const hdrs = natsHeaders();
    hdrs.set("Nats-Msg-Id", "id1");
    hdrs.append("ce-type", "type1");
    hdrs.append("ce-type", "ignored second value");
    hdrs.set("x", "");
    const encoded = (hdrs as unknown as { encode(): Uint8Array }).encode();
    expect(parseHeaderBlock(encoded)).toEqual(headerRecord(hdrs));
  });

  it("copes with a status line, no headers, no final line break, and lines without a colon", () => {
    expect(parseHeaderBlock(bytes("NATS/1.0 503\r\n\r\n"))).toEqual({});
    expect(parseHeaderBlock(bytes("NATS/1.0"))).toEqual({});
    expect(parseHeaderBlock(bytes("NATS/1.0\r\na: 1"))).toEqual({ a: "1" });
    expect(parseHeaderBlock(bytes("NATS/1.0\r\nnonsense\r\nb: 2\r\n\r\n"))).toEqual({ b: "2" });
  });

  it("keeps a header named __proto__ as a header (no prototype to pollute)", () => {
    const record = parseHeaderBlock(bytes("NATS/1.0\r\n__proto__: x\r\nconstructor: y\r\n\r\n"));
    expect(Object.getPrototypeOf(Object.getPrototypeOf(record))).toBeNull(); // inherits nothing
    expect("toString" in parseHeaderBlock(bytes("NATS/1.0\r\n\r\n"))).toBe(false);
    expect(Object.entries(record)).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
  });

  it("throws on a header name NATS forbids, as the client does", () => {
    expect(() => parseHeaderBlock(bytes("NATS/1.0\r\nbad key: x\r\n\r\n"))).toThrow(
      /header name "bad key" has characters NATS does not allow/,
    );
    expect(() => parseHeaderBlock(bytes("NATS/1.0\r\nnämé: x\r\n\r\n"))).toThrow(/characters NATS does not allow/);
  });
});

describe("deliveredHeaders", () => {
  it("reads the raw header block the client keeps, and nothing when there is none", () => {
    const block = bytes("NATS/1.0\r\nNats-Msg-Id: u-9\r\n\r\n");
    const raw = new Uint8Array([...block, ...bytes('{"n":1}')]);
    const withHeaders = { msg: { _msg: { hdr: block.length }, _rdata: raw }, headers: undefined };
    expect(deliveredHeaders(withHeaders)).toEqual({ "Nats-Msg-Id": "u-9" });
    const withoutHeaders = { msg: { _msg: { hdr: -1 }, _rdata: raw }, headers: undefined };
    expect(deliveredHeaders(withoutHeaders)).toBeUndefined();
  });

  it("falls back to the client's public headers for any other message shape", () => {
    const hdrs = natsHeaders();
    hdrs.set("hello", "world");
    expect(deliveredHeaders({ headers: hdrs })).toEqual({ hello: "world" });
    expect(deliveredHeaders({ headers: undefined })).toBeUndefined();
  });
});
