import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { jsonSerializer, stringSerializer } from "../serializers.js";
import { fernetDecrypt, fernetEncrypt, fernetKey, fernetSerializer } from "./fernet.js";
import { gzipSerializer } from "./gzip.js";
import { hmacSerializer } from "./hmac.js";
import { msgpackSerializer } from "./msgpack.js";

/** Runs Python with `code`; `sys.argv[1]` is `arg`; returns stdout. */
const python = (code: string, arg: string): string =>
  execFileSync("python3", ["-c", `import sys, base64\n${code}`, arg], { encoding: "utf8" }).trim();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

// The Fernet spec's test vectors (github.com/fernet/spec: generate.json, verify.json, invalid.json).
const SECRET = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
const TOKEN = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
const at = (iso: string): number => new Date(iso).getTime();
const INVALID: readonly (readonly [string, string, string])[] = [
  [
    "incorrect mac",
    "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
    "1985-10-26T01:20:01-07:00",
  ],
  ["too short", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", "1985-10-26T01:20:01-07:00"],
  [
    "invalid base64",
    "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
    "1985-10-26T01:20:01-07:00",
  ],
  [
    "payload size not multiple of block size",
    "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm",
    "1985-10-26T01:20:01-07:00",
  ],
  [
    "payload padding error",
    "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==",
    "1985-10-26T01:20:01-07:00",
  ],
  [
    "far-future TS (unacceptable clock skew)",
    "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==",
    "1985-10-26T01:20:01-07:00",
  ],
  [
    "expired TTL",
    "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
    "1985-10-26T01:21:31-07:00",
  ],
  [
    "incorrect IV (causes padding error)",
    "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==",
    "1985-10-26T01:20:01-07:00",
  ],
  ["trailing characters after b64 padding", `${TOKEN}trailingdata`, "1985-10-26T01:20:01-07:00"],
  [
    "invalid characters in b64",
    "*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
    "1985-10-26T01:20:01-07:00",
  ],
  [
    "invalid non-urlsafe characters in b64",
    "gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
    "1985-10-26T01:20:01-07:00",
  ],
];

describe("Fernet (spec test vectors)", () => {
  const key = fernetKey(SECRET);
  it("generate.json: the same token from the same key, time and IV", () => {
    const iv = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(text(fernetEncrypt(key, Buffer.from("hello"), at("1985-10-26T01:20:00-07:00"), iv))).toBe(TOKEN);
  });
  it("verify.json: decrypts within its ttl", () => {
    expect(text(fernetDecrypt(key, Buffer.from(TOKEN), at("1985-10-26T01:20:01-07:00"), 60_000))).toBe("hello");
  });
  it.each(INVALID)("invalid.json: %s", (_desc, token, now) => {
    expect(() => fernetDecrypt(key, Buffer.from(token), at(now), 60_000)).toThrow("invalid Fernet token");
  });
  it("refuses keys that are not 32 URL-safe base64 bytes", () => {
    expect(() => fernetSerializer(jsonSerializer, { key: "short" })).toThrow(/32 bytes/);
    expect(() => fernetSerializer(jsonSerializer, { key: "a/b+" })).toThrow(/URL-safe base64/);
  });
});

describe("Fernet with Python's cryptography", () => {
  const key = "hJwVx4eTIMx3tN8Sx5qVpLN0JgTV1YH0sWn3y2l9i0k=";
  const serializer = fernetSerializer(stringSerializer, { key });
  it("Python decrypts our tokens, and we decrypt Python's", () => {
    const ours = text(serializer.encode("from node"));
    expect(python(`from cryptography.fernet import Fernet\nprint(Fernet(b"${key}").decrypt(sys.argv[1].encode()).decode())`, ours)).toBe(
      "from node",
    );
    const theirs = python(
      `from cryptography.fernet import Fernet\nprint(Fernet(b"${key}").encrypt(sys.argv[1].encode()).decode())`,
      "from python",
    );
    expect(serializer.decode(Buffer.from(theirs))).toBe("from python");
  });
});

describe("HMAC (walnats' HMACSerializer)", () => {
  const signed = hmacSerializer(jsonSerializer, { key: "secret" });
  it("writes digest || data, byte for byte what Python's hmac.digest writes", () => {
    const bytes = signed.encode({ a: 1 });
    expect(hex(bytes)).toBe(
      python('import hmac\nprint((hmac.digest(b"secret", sys.argv[1].encode(), "sha512") + sys.argv[1].encode()).hex())', '{"a":1}'),
    );
    expect(signed.decode(bytes)).toEqual({ a: 1 });
  });
  it("refuses any change, an appended or prepended byte included", () => {
    const bytes = Buffer.from(signed.encode({ a: 1 }));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 2] = (flipped[flipped.length - 2] ?? 0) ^ 1;
    for (const bad of [
      flipped,
      Buffer.concat([bytes, Buffer.from("x")]),
      Buffer.concat([Buffer.from("x"), bytes]),
      bytes.subarray(0, 10),
    ]) {
      expect(() => signed.decode(bad)).toThrow("the message is corrupted or altered");
    }
    expect(() => hmacSerializer(jsonSerializer, { key: "k" }).decode(bytes)).toThrow("corrupted");
  });
  it("takes any hash node:crypto knows", () => {
    expect(hmacSerializer(stringSerializer, { key: "k", algorithm: "sha256" }).encode("x").byteLength).toBe(33);
    expect(() => hmacSerializer(stringSerializer, { key: "k", algorithm: "nope" })).toThrow(/algorithm/);
  });
});

describe("gzip (walnats' GZipSerializer)", () => {
  const zipped = gzipSerializer(jsonSerializer);
  it("round-trips, and reads Python's gzip.compress", () => {
    expect(zipped.decode(zipped.encode({ big: "x".repeat(1_000) }))).toEqual({ big: "x".repeat(1_000) });
    const fromPython = python("import gzip\nprint(gzip.compress(sys.argv[1].encode(), compresslevel=9).hex())", '{"py":true}');
    expect(zipped.decode(Buffer.from(fromPython, "hex"))).toEqual({ py: true });
    expect(python("import gzip\nprint(gzip.decompress(bytes.fromhex(sys.argv[1])).decode())", hex(zipped.encode([1, 2])))).toBe("[1,2]");
  });
  it("refuses to inflate beyond maxBytes (a gzip bomb)", () => {
    const bomb = gzipSync(Buffer.alloc(1_000_000));
    expect(() => gzipSerializer(jsonSerializer, { maxBytes: 1_000 }).decode(bomb)).toThrow(/buffer|length/i);
  });
});

describe("msgpack (walnats' MessagePackSerializer)", () => {
  it("round-trips and writes the bytes Python's msgpack writes for the same value", () => {
    const value = { id: 7, name: "a", tags: ["x"], ok: true, none: null, ratio: 0.5 };
    const bytes = msgpackSerializer.encode(value);
    expect(msgpackSerializer.decode(bytes)).toEqual(value);
    // fixmap(6) "id" 7 "name" "a" ...: the standard encoding, which Python's packb writes too.
    expect(hex(bytes).startsWith("86a2696407a46e616d65a161")).toBe(true);
  });
  it("refuses a __proto__ key: the event is then dead-lettered as undecodable", () => {
    const hostile = Buffer.from("81a95f5f70726f746f5f5f81a161c3", "hex"); // {"__proto__": {"a": true}}
    expect(() => msgpackSerializer.decode(hostile)).toThrow(/__proto__/);
  });
});
