/**
 * Fuzzing of the wire decoder with hostile input (fixed seed, so a failure reproduces): deep
 * nesting, numbers JSON cannot carry back, huge payloads, `__proto__`/`constructor` keys, invalid
 * UTF-8, odd dates. Two promises are checked on every input:
 * - `decode()` throws nothing but `InvalidMessageError`;
 * - what decodes re-encodes, decodes to an equal message, and is a message `createMessage` builds.
 * ~2,000 inputs in the test command, 50,000 under `pnpm soak`.
 */
import { printFaultReport, soakScale } from "@x/test-servers";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMessage,
  DEFAULT_MAX_MESSAGE_BYTES,
  decode,
  encodeToString,
  InvalidMessageError,
  type Message,
  toMessageInit,
} from "../../src/index.js";

const SEED = 1308;
const RUNS = soakScale(2_000, 50_000);
/** 50,000 inputs take minutes on a loaded machine; the default timeout is for the short run. */
const TIMEOUT_MS = soakScale(120_000, 1_200_000);

/** Number tokens as they may appear on the wire, including ones a double cannot hold. */
const numberToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "1e309",
    "-1e309",
    "1E400",
    "1e308",
    "-0",
    "-0.0",
    "0e0",
    "4.9e-324",
    "1e-400",
    "1e20",
    "123456789012345678901234567890",
    "9007199254740993",
    "4294967295",
    "4294967296",
    "-5",
    "1.5",
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

/** String tokens: escaped arbitrary text (lone surrogates included), raw text, odd escapes. */
const stringToken: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => `"${s}"`),
  fc.constantFrom('"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"', '"\u2028"', '"\\/"', '"x\\'),
);

const keyToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '"__proto__"',
      '"constructor"',
      '"\\u005f_proto__"',
      '"constr\\u0075ctor"',
      '"prototype"',
      '"toString"',
      '"hasOwnProperty"',
      '"payload"',
      '"request_type"',
      '"requestType"',
      '"priority"',
      '"delay"',
    ),
  },
);

/** JSON-ish values as text, built from the tokens above; `safe` keys and numbers make most of them valid. */
const valueOf = (keys: fc.Arbitrary<string>, numbers: fc.Arbitrary<string>, strings: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      numbers,
      strings,
      fc.constantFrom("true", "false", "null"),
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    object: fc
      .array(fc.tuple(keys, tie("value")), { maxLength: 4 })
      .map((entries) => `{${entries.map(([key, value]) => `${key}:${value}`).join(",")}}`),
  })).value;

const safeNumberToken = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom("-0", "-0.0", "1e20", "4.9e-324", "1e-400", "123456789012345678901234567890", "1E5"),
);
const safeValueToken = valueOf(
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  safeNumberToken,
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => JSON.stringify(s)),
);
const valueToken = valueOf(keyToken, numberToken, stringToken);

/** Nesting from shallow to far deeper than any limit, of arrays, objects or both, sometimes unclosed. */
const deepToken: fc.Arbitrary<string> = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 60, max: 70 }), fc.integer({ min: 1, max: 20_000 })),
    kind: fc.constantFrom("array", "object", "mixed"),
    leaf: fc.oneof(safeValueToken, valueToken),
    closed: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .map(({ depth, kind, leaf, closed }) => {
    const open = kind === "array" ? "[" : kind === "object" ? '{"a":' : '[{"a":';
    const close = kind === "array" ? "]" : kind === "object" ? "}" : "}]";
    const levels = kind === "mixed" ? Math.ceil(depth / 2) : depth;
    return open.repeat(levels) + leaf + (closed ? close.repeat(levels) : "");
  });

/** Strings near the default size limit, of 1- to 4-byte characters and escapes. */
const hugeToken: fc.Arbitrary<string> = fc
  .record({
    bytes: fc.integer({ min: DEFAULT_MAX_MESSAGE_BYTES - 300, max: DEFAULT_MAX_MESSAGE_BYTES + 100 }),
    unit: fc.constantFrom("x", "é", "☃", "😀", "\\n", "\\u00e9", "\\ud800"),
  })
  .map(({ bytes, unit }) => `"${unit.repeat(Math.floor(bytes / Buffer.byteLength(unit)))}"`);

/** Mostly `valid`, sometimes `hostile`: a message with one odd field is the interesting case. */
const mostly = (valid: fc.Arbitrary<string>, hostile: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostile });

/** Dates in every accepted form and many that are out of range or not dates at all. */
const dateToken: fc.Arbitrary<string> = mostly(
  fc.oneof(
    fc
      .date({ min: new Date("0000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
      .map((d) => JSON.stringify(d.toISOString())),
    fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }).map(String),
    fc.constantFrom(
      '"2024-02-29 10:00:00"',
      '"2024-02-29 10:00:00.123456789"',
      '"2026-11-25 08:00:00.123456"',
      '"2026-11-25T10:00:00+02:00"',
      "null",
    ),
  ),
  fc.oneof(
    fc.constantFrom(
      '"0000-01-01T00:00:00Z"',
      '"0000-01-01T00:00:00+01:00"',
      '"9999-12-31T23:59:59.999Z"',
      '"9999-12-31T23:59:59-01:00"',
      '"+275760-09-13T00:00:00.000Z"',
      '"-271821-04-20T00:00:00.000Z"',
      '"2026-02-29 10:00:00"',
      '"2026-11-25T08:00:00+2400"',
      "8640000000000000",
      "-8640000000000000",
      "253402300800000",
      "-62167219200001",
      "1e21",
    ),
    fc.integer({ min: -8.64e15, max: 8.64e15 }).map(String),
    fc.date({ noInvalidDate: true }).map((date) => JSON.stringify(date.toISOString())),
    valueToken,
  ),
);

const idToken: fc.Arbitrary<string> = mostly(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/).map((id) => JSON.stringify(id)),
    fc.nat().map(String),
  ),
  fc.oneof(fc.constantFrom("-1", "1e3", "9007199254740993", '"../x"', '""', "null"), valueToken),
);

const fields = (entries: readonly (readonly [string, string | undefined])[]): string[] =>
  entries.flatMap(([key, value]) => (value === undefined ? [] : [`${JSON.stringify(key)}:${value}`]));

/** A whole message as wire text: every field may be missing, odd, or hostile. */
const messageText: fc.Arbitrary<string> = fc
  .record(
    {
      id: idToken,
      requestType: mostly(
        fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).map((s) => JSON.stringify(s)),
        fc.oneof(stringToken, valueToken),
      ),
      priority: mostly(fc.integer({ min: -10, max: 2 ** 32 - 1 }).map(String), fc.oneof(numberToken, valueToken)),
      attempts: mostly(fc.nat().map(String), fc.oneof(numberToken, valueToken)),
      delay: dateToken,
      expiration: dateToken,
      headerExtras: fc.array(fc.tuple(keyToken, mostly(safeValueToken, fc.oneof(valueToken, deepToken))), { maxLength: 3 }),
      payload: fc.oneof(
        { weight: 12, arbitrary: safeValueToken },
        { weight: 2, arbitrary: valueToken },
        { weight: 3, arbitrary: deepToken },
        { weight: 1, arbitrary: hugeToken },
      ),
      bodyExtras: fc.array(fc.tuple(keyToken, mostly(safeValueToken, fc.oneof(valueToken, deepToken))), { maxLength: 3 }),
      topExtras: fc.array(fc.tuple(keyToken, valueToken), { maxLength: 1 }),
    },
    { requiredKeys: ["id", "payload"] },
  )
  .map((m) => {
    const header = [
      ...fields([
        ["request_type", m.requestType],
        ["priority", m.priority],
        ["attempts", m.attempts],
        ["delay", m.delay],
        ["expiration", m.expiration],
      ]),
      ...(m.headerExtras ?? []).map(([key, value]) => `${key}:${value}`),
    ];
    const body = [`"payload":${m.payload}`, ...(m.bodyExtras ?? []).map(([key, value]) => `${key}:${value}`)];
    const top = [
      `"id":${m.id}`,
      `"header":{${header.join(",")}}`,
      `"body":{${body.join(",")}}`,
      ...(m.topExtras ?? []).map(([key, value]) => `${key}:${value}`),
    ];
    return `{${top.join(",")}}`;
  });

/** Valid text turned into bytes, some of them broken: stray continuation bytes, truncated sequences, overlongs. */
const brokenUtf8: fc.Arbitrary<Uint8Array> = fc
  .tuple(messageText, fc.nat(), fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82]))
  .map(([text, at, bad]) => {
    const bytes = Buffer.from(text, "utf8");
    const where = at % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, where), Buffer.from(bad), bytes.subarray(where)]);
  });

const input: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  { weight: 6, arbitrary: messageText },
  { weight: 3, arbitrary: messageText.map((text) => Buffer.from(text, "utf8")) },
  { weight: 2, arbitrary: brokenUtf8 },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.oneof(valueToken, deepToken) },
);

const tally = { inputs: 0, accepted: 0, rejected: 0, roundTripped: 0 };

afterAll(() => {
  printFaultReport({
    scenario: "message decode fuzz",
    confirmed: tally.accepted,
    handled: tally.roundTripped,
    lost: tally.accepted - tally.roundTripped,
    duplicated: 0,
    seed: SEED,
    inputs: tally.inputs,
    accepted: tally.accepted,
    rejected: tally.rejected,
  });
});

describe("decode under hostile input (fuzz)", () => {
  it(
    "throws only InvalidMessageError, and whatever decodes re-encodes to an equal message",
    () => {
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
      fc.assert(
        fc.property(input, (raw) => {
          tally.inputs++;
          let message: Message;
          try {
            message = decode(raw);
          } catch (error) {
            if (!(error instanceof InvalidMessageError)) throw error;
            tally.rejected++;
            return;
          }
          tally.accepted++;
          const text = encodeToString(message);
          // The size limit is on the input; the same message may be written a little longer
          // (`1e20` comes back as 21 digits), so the second read allows for that.
          const again = decode(text, { maxBytes: Math.max(DEFAULT_MAX_MESSAGE_BYTES, Buffer.byteLength(text)) });
          expect(again).toStrictEqual(message);
          expect(encodeToString(again)).toBe(text);
          // decode and createMessage keep the same limits: what one reads, the other builds.
          expect(createMessage(toMessageInit(message))).toStrictEqual(message);
          tally.roundTripped++;
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // The inputs must exercise both sides, or the property proves little.
      expect(tally.accepted).toBeGreaterThan(RUNS / 20);
      expect(tally.rejected).toBeGreaterThan(RUNS / 20);
    },
    TIMEOUT_MS,
  );
});
