import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { checkOptionKeys, durationMsOption, InvalidOptionError, type TimeSource, timeSourceOption } from "@x/core";
import type { Serializer, UntypedSerializer } from "../serializers.js";

const VERSION = 0x80;
const HEADER = 1 + 8 + 16; // version, timestamp, IV
const MAC = 32;
/** How far ahead of our clock a token's time may be when a `ttlMs` is checked (Python's `_MAX_CLOCK_SKEW`). */
const MAX_CLOCK_SKEW_S = 60;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A Fernet key: 32 bytes, URL-safe base64 (what Python's `Fernet.generate_key()` prints). */
interface FernetKey {
  readonly signing: Buffer;
  readonly encryption: Buffer;
}

function parseKey(key: unknown): FernetKey {
  const text = key instanceof Uint8Array ? Buffer.from(key).toString("latin1") : key;
  if (typeof text !== "string" || !BASE64URL.test(text))
    throw new InvalidOptionError("key", undefined, "must be a URL-safe base64 Fernet key");
  const bytes = Buffer.from(text, "base64url");
  if (bytes.byteLength !== 32) throw new InvalidOptionError("key", undefined, "must decode to 32 bytes (a Fernet key)");
  return { signing: bytes.subarray(0, 16), encryption: bytes.subarray(16) };
}

/** Why a token was refused (Python's `InvalidToken` carries no reason either). */
class InvalidTokenError extends Error {
  constructor() {
    super("invalid Fernet token");
    this.name = "InvalidToken";
  }
}

/** A Fernet token (URL-safe base64, with padding, as Python writes it) of `data`. */
export function fernetEncrypt(key: FernetKey, data: Uint8Array, nowMs: number, iv: Uint8Array = randomBytes(16)): Uint8Array {
  const cipher = createCipheriv("aes-128-cbc", key.encryption, iv);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const head = Buffer.alloc(9);
  head.writeUInt8(VERSION, 0);
  head.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1_000)), 1);
  const body = Buffer.concat([head, iv, ciphertext]);
  const mac = createHmac("sha256", key.signing).update(body).digest();
  const text = Buffer.concat([body, mac]).toString("base64url");
  return Buffer.from(text + "=".repeat((4 - (text.length % 4)) % 4), "latin1");
}

/**
 * The data of a Fernet token, checked as the spec says: version, HMAC (constant time), then
 * decryption; with `ttlMs`, also its age and a time at most 60 s ahead. Throws on anything else.
 */
export function fernetDecrypt(key: FernetKey, token: Uint8Array, nowMs: number, ttlMs?: number): Uint8Array {
  const text = Buffer.from(token).toString("latin1");
  if (!BASE64URL.test(text)) throw new InvalidTokenError();
  const bytes = Buffer.from(text, "base64url");
  if (bytes.byteLength < HEADER + 16 + MAC || (bytes.byteLength - HEADER - MAC) % 16 !== 0 || bytes[0] !== VERSION)
    throw new InvalidTokenError();
  const timestamp = Number(bytes.readBigUInt64BE(1));
  if (ttlMs !== undefined) {
    const now = Math.floor(nowMs / 1_000);
    if (timestamp * 1_000 + ttlMs < now * 1_000 || now + MAX_CLOCK_SKEW_S < timestamp) throw new InvalidTokenError();
  }
  const body = bytes.subarray(0, bytes.byteLength - MAC);
  const expected = createHmac("sha256", key.signing).update(body).digest();
  if (!timingSafeEqual(expected, bytes.subarray(bytes.byteLength - MAC))) throw new InvalidTokenError();
  try {
    const decipher = createDecipheriv("aes-128-cbc", key.encryption, bytes.subarray(9, HEADER));
    return Buffer.concat([decipher.update(bytes.subarray(HEADER, bytes.byteLength - MAC)), decipher.final()]);
  } catch {
    throw new InvalidTokenError(); // bad padding
  }
}

/** Options of {@link fernetSerializer}. */
export interface FernetOptions {
  /** The key: 32 bytes in URL-safe base64, e.g. from Python's `Fernet.generate_key()`. */
  readonly key: string | Uint8Array;
  /** Refuse tokens older than this, in ms (Python's `decrypt(token, ttl=...)`). @default none */
  readonly ttlMs?: number;
  /** The clock of the token times (`wallNow`). @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

/**
 * Encrypts and signs another serializer's bytes as Fernet tokens (walnats' `FernetSerializer`),
 * compatible with Python's `cryptography.fernet.Fernet` both ways and checked against the Fernet
 * spec's test vectors. A token that was altered, made with another key or (with `ttlMs`) is too
 * old throws `invalid Fernet token`.
 */
export function fernetSerializer(inner: UntypedSerializer, options: FernetOptions): UntypedSerializer;
export function fernetSerializer<T>(inner: Serializer<T>, options: FernetOptions): Serializer<T>;
export function fernetSerializer<T>(inner: Serializer<T>, options: FernetOptions): Serializer<T> {
  checkOptionKeys(options, ["key", "ttlMs", "time"], "fernetSerializer");
  const key = parseKey(options.key);
  const ttlMs = options.ttlMs === undefined ? undefined : durationMsOption("ttlMs", options.ttlMs, 0, { min: 1 });
  const time = timeSourceOption(options.time);
  return Object.freeze({
    name: `fernet(${inner.name})`,
    encode: (value: T): Uint8Array => fernetEncrypt(key, inner.encode(value), time.wallNow()),
    decode: (token: Uint8Array): T => inner.decode(fernetDecrypt(key, token, time.wallNow(), ttlMs)),
  });
}

/** @internal The parsed form of a key, for the test vectors. */
export const fernetKey = (key: string): FernetKey => parseKey(key);
