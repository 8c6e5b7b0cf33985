import { constants, gunzipSync, gzipSync } from "node:zlib";
import { checkOptionKeys, integerOption } from "@x/core";
import type { Serializer, UntypedSerializer } from "../serializers.js";

/** The largest payload {@link gzipSerializer} inflates, in bytes, unless told otherwise. */
export const DEFAULT_GUNZIP_MAX_BYTES = 64 * 1024 * 1024;

/** Options of {@link gzipSerializer}. */
export interface GzipOptions {
  /** Compression level, 0 to 9 (walnats: 9). @default 9 */
  readonly level?: number;
  /**
   * The largest inflated payload accepted, in bytes: a small "gzip bomb" from the network cannot
   * take the process's memory. @default {@link DEFAULT_GUNZIP_MAX_BYTES}
   */
  readonly maxBytes?: number;
}

/**
 * Gzip around another serializer (walnats' `GZipSerializer`): the same bytes as Python's
 * `gzip.compress`, read by `gzip.decompress`, and the reverse.
 */
export function gzipSerializer(inner: UntypedSerializer, options?: GzipOptions): UntypedSerializer;
export function gzipSerializer<T>(inner: Serializer<T>, options?: GzipOptions): Serializer<T>;
export function gzipSerializer<T>(inner: Serializer<T>, options: GzipOptions = {}): Serializer<T> {
  checkOptionKeys(options, ["level", "maxBytes"], "gzipSerializer");
  const level = integerOption("level", options.level, 9, 0, 9);
  const maxOutputLength = integerOption("maxBytes", options.maxBytes, DEFAULT_GUNZIP_MAX_BYTES, 1, constants.Z_MAX_CHUNK);
  return Object.freeze({
    name: `gzip(${inner.name})`,
    encode: (value: T): Uint8Array => gzipSync(inner.encode(value), { level }),
    decode: (data: Uint8Array): T => inner.decode(gunzipSync(data, { maxOutputLength })),
  });
}
