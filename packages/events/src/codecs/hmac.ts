import { createHmac, getHashes, timingSafeEqual } from "node:crypto";
import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { Serializer, UntypedSerializer } from "../serializers.js";

/** Options of {@link hmacSerializer}. */
export interface HmacOptions {
  /** The shared secret. */
  readonly key: string | Uint8Array;
  /** A hash `node:crypto` knows (`hashlib`'s names for the common ones). @default "sha512" (walnats') */
  readonly algorithm?: string;
}

/**
 * Signs another serializer's bytes (walnats' `HMACSerializer`): the message is the HMAC digest
 * followed by the data, as Python's `hmac.digest(key, data, algorithm) + data`. Decoding compares
 * in constant time and throws `the message is corrupted or altered` on any change, including a
 * byte added or removed.
 */
export function hmacSerializer(inner: UntypedSerializer, options: HmacOptions): UntypedSerializer;
export function hmacSerializer<T>(inner: Serializer<T>, options: HmacOptions): Serializer<T>;
export function hmacSerializer<T>(inner: Serializer<T>, options: HmacOptions): Serializer<T> {
  checkOptionKeys(options, ["key", "algorithm"], "hmacSerializer");
  const { key } = options;
  if (typeof key !== "string" && !(key instanceof Uint8Array)) throw new InvalidOptionError("key", key, "must be a string or bytes");
  if (key.length === 0) throw new InvalidOptionError("key", undefined, "must not be empty");
  const algorithm = options.algorithm ?? "sha512";
  if (!getHashes().includes(algorithm)) throw new InvalidOptionError("algorithm", algorithm, "is not a hash node:crypto knows");
  const sign = (data: Uint8Array): Buffer => createHmac(algorithm, key).update(data).digest();
  const size = sign(new Uint8Array(0)).byteLength;
  return Object.freeze({
    name: `hmac-${algorithm}(${inner.name})`,
    encode(value: T): Uint8Array {
      const data = inner.encode(value);
      return Buffer.concat([sign(data), data]);
    },
    decode(message: Uint8Array): T {
      if (message.byteLength < size) throw new Error("the message is corrupted or altered");
      const data = message.subarray(size);
      if (!timingSafeEqual(message.subarray(0, size), sign(data))) throw new Error("the message is corrupted or altered");
      return inner.decode(data);
    },
  });
}
