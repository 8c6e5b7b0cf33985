import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import { MalformedMessageError } from "./errors.js";

/** Size of a NATS header block (`NATS/1.0\r\n`, `key: value\r\n` per header, `\r\n`), in bytes. */
export function headerBytes(record: Readonly<Record<string, string>>): number {
  let size = 12;
  for (const [key, value] of Object.entries(record)) size += Buffer.byteLength(key) + Buffer.byteLength(value) + 4;
  return size;
}

/** A record of strings as NATS message headers. */
export function toMsgHdrs(record: Readonly<Record<string, string>>): MsgHdrs {
  const hdrs = natsHeaders();
  for (const [key, value] of Object.entries(record)) hdrs.set(key, value);
  return hdrs;
}

/**
 * A new, empty header record that inherits nothing (no `toString`, `constructor` or `__proto__`
 * accessor), so a header a foreign publisher named `__proto__` is just a header. Unlike
 * `Object.create(null)`, whose objects V8 keeps in slow dictionary mode, instances of a
 * constructor with a prototype-less prototype stay fast (Node's own querystring does this).
 */
const HeaderRecord = function HeaderRecord(this: object) {
  // Nothing to initialise: the instance only needs the prototype below.
} as unknown as new () => Record<string, string>;
HeaderRecord.prototype = Object.create(null) as object;

/** The first value of every header of a message, or `{}` when it has none. */
export function headerRecord(hdrs: MsgHdrs | undefined): Record<string, string> {
  const record = new HeaderRecord();
  if (hdrs === undefined) return record;
  for (const [key, values] of hdrs) {
    const first = values[0];
    if (first !== undefined) record[key] = first;
  }
  return record;
}

const decoder = new TextDecoder();
/** A header name NATS accepts: printable ASCII without `:` (the client throws on anything else). */
const HEADER_NAME = /^[!-9;-~]+$/;

/**
 * Parses a raw NATS header block (`NATS/1.0[ status]\r\n`, then `Name: value\r\n` lines) into the
 * first value of each header, exactly as the client's own parser would read it, but in one pass
 * without building its multi-value map. Throws {@link MalformedMessageError}, where the client
 * throws its own error, on a header name NATS forbids.
 */
export function parseHeaderBlock(block: Uint8Array): Record<string, string> {
  const text = decoder.decode(block);
  const record = new HeaderRecord();
  let start = text.indexOf("\r\n") + 2; // skip the status line
  if (start === 1) return record;
  while (start < text.length) {
    let end = text.indexOf("\r\n", start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon !== -1 && colon < end) {
      const name = text.slice(start, colon);
      if (!HEADER_NAME.test(name))
        throw new MalformedMessageError("headers", `header name ${JSON.stringify(name.slice(0, 64))} has characters NATS does not allow`);
      record[name] ??= text.slice(colon + 1, end).trim();
    }
    start = end + 2;
  }
  return record;
}

/** Where the 3.x client keeps a delivered message's raw bytes (private, so read defensively). */
interface ClientMessageInternals {
  readonly msg?: { readonly _msg?: { readonly hdr?: unknown }; readonly _rdata?: unknown };
}

/**
 * The first value of each header of a delivered message. Reads the raw header block the client
 * already holds when it can (the client's own `headers` getter parses into a multi-value map with
 * a name check per header, several times the cost); falls back to that getter for any other
 * client shape. Throws on header names NATS forbids, either way.
 */
export function deliveredHeaders(msg: { readonly headers?: MsgHdrs | undefined }): Readonly<Record<string, string>> | undefined {
  const inner = (msg as ClientMessageInternals).msg;
  const hdr = inner?._msg?.hdr;
  const raw = inner?._rdata;
  if (typeof hdr === "number" && raw instanceof Uint8Array) return hdr > 0 ? parseHeaderBlock(raw.subarray(0, hdr)) : undefined;
  const hdrs = msg.headers;
  return hdrs === undefined ? undefined : headerRecord(hdrs);
}
