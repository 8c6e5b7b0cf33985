import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";

/** A record of strings as NATS message headers. */
export function toMsgHdrs(record: Readonly<Record<string, string>>): MsgHdrs {
  const hdrs = natsHeaders();
  for (const [key, value] of Object.entries(record)) hdrs.set(key, value);
  return hdrs;
}

/**
 * The first value of every header of a message, or `{}` when it has none. The record has no
 * prototype, so a header a foreign publisher named `__proto__` is just a header.
 */
export function headerRecord(hdrs: MsgHdrs | undefined): Record<string, string> {
  const record = Object.create(null) as Record<string, string>;
  if (hdrs === undefined) return record;
  for (const [key, values] of hdrs) {
    const first = values[0];
    if (first !== undefined) record[key] = first;
  }
  return record;
}
