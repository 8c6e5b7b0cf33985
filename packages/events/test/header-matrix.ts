import { CloudEvent, type EmitOptions } from "../src/index.js";

const ce = CloudEvent({ id: "id1", source: "src1", type: "type1" });
const ceHeaders = { "ce-id": "id1", "ce-source": "src1", "ce-specversion": "1.0", "ce-type": "type1" };

/** walnats' header matrix: emit options -> the headers an actor sees (`{}`: none at all). */
export const HEADER_MATRIX: readonly (readonly [string, EmitOptions, Readonly<Record<string, string>>])[] = [
  ["none", {}, {}],
  ["meta", { meta: { hello: "world" } }, { hello: "world" }],
  ["meta + uid", { meta: { hello: "world" }, uid: "oh-hi-mark" }, { hello: "world", "Nats-Msg-Id": "oh-hi-mark" }],
  ["uid", { uid: "test-me" }, { "Nats-Msg-Id": "test-me" }],
  ["uid + trace", { uid: "check-mate", traceId: "some-number" }, { "Nats-Msg-Id": "check-mate", "Walnats-Trace": "some-number" }],
  ["CloudEvent", { meta: ce }, { "Nats-Msg-Id": "id1", ...ceHeaders }],
  ["CloudEvent + uid", { meta: ce, uid: "uid1" }, { "Nats-Msg-Id": "uid1", ...ceHeaders }],
];
