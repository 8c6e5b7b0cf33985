import { createMessage, decode, encodeToString, WIRE_DIALECTS } from "@x/message";
import { describe, expect, it } from "vitest";

const TRACE = {
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  tracestate: "vendor=abc,other=1",
};

describe("the message codec carries W3C trace context", () => {
  it.each(WIRE_DIALECTS)("keeps traceparent and tracestate through the %s dialect", (dialect) => {
    const message = createMessage({ requestType: "send_email", payload: { to: "ada" }, header: TRACE });
    const decoded = decode(encodeToString(message, { dialect }));
    expect(decoded.header).toMatchObject(TRACE);
    expect(decoded.header.requestType).toBe("send_email");
  });

  it("a pulpo-era reader sees its own fields unchanged next to the trace fields", () => {
    const message = createMessage({ requestType: "send_email", priority: 5, payload: {}, header: TRACE });
    const wire = JSON.parse(encodeToString(message, { dialect: "pulpo" })) as { header: Record<string, unknown> };
    // pulpo reads the header as a dictionary by key: extra keys are there and it never looks at them.
    expect(wire.header).toMatchObject({ request_type: "send_email", priority: 5, ...TRACE });
    const { traceparent: _traceparent, tracestate: _tracestate, ...pulpoFields } = wire.header;
    expect(Object.keys(pulpoFields).sort()).toEqual(["priority", "request_type"]);
  });
});
