import { decode, encode } from "@msgpack/msgpack";
import type { UntypedSerializer } from "../serializers.js";

/**
 * MessagePack (walnats' `MessagePackSerializer`, Python's `msgpack.packb` / `unpackb` with their
 * defaults: bytes as `bin`, text as `str`). Binary fields come back as `Uint8Array`. A map key
 * `__proto__` is refused by the decoder, so it never reaches a handler.
 */
export const msgpackSerializer: UntypedSerializer = Object.freeze({
  name: "msgpack",
  encode: (value: unknown): Uint8Array => encode(value),
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the event's payload type, checked by its schema
  decode: <T>(data: Uint8Array): T => decode(data) as T,
});
