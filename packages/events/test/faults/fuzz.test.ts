import type { JsMsg } from "@nats-io/jetstream";
import { soakScale } from "@x/test-servers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Acker } from "../../src/acker.js";
import { parsePubAck } from "../../src/confirmations.js";
import { JetStreamDelivery } from "../../src/delivery.js";
import { parseDelayUntil, parseWalnatsDelay } from "../../src/headers.js";
import {
  bytesSerializer,
  dateSerializer,
  Event,
  fernetSerializer,
  gzipSerializer,
  hmacSerializer,
  InvalidPayloadError,
  jsonSerializer,
  MalformedMessageError,
  msgpackSerializer,
  readCloudEvent,
  SerializationError,
  stringSerializer,
  walnatsDateSerializer,
} from "../../src/index.js";
import { parseHeaderBlock } from "../../src/nats-headers.js";

/** Fixed, so a failure is reproducible; fast-check prints the counterexample and its path. */
const SEED = 20_240_613;
const RUNS = soakScale(2_000, 50_000);
const params = { seed: SEED, numRuns: RUNS };
const encoder = new TextEncoder();

/** Untrusted bytes: random bytes, random text, JSON-ish text, and JSON with hostile keys. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.string({ maxLength: 256 }).map((s) => encoder.encode(s)),
  fc.json({ maxDepth: 6 }).map((s) => encoder.encode(s)),
  fc
    .tuple(fc.constantFrom("__proto__", "\\u005f_proto__", "constructor", "prototype"), fc.json({ maxDepth: 3 }))
    .map(([key, value]) => encoder.encode(`{"${key}":${value},"a":[{"${key}":${value}}]}`)),
);

/** Throws the error unless `allowed` accepts it: only documented, typed errors may come out. */
function only(allowed: (error: unknown) => boolean, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!allowed(error)) throw error;
  }
}

const noOwnProto = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return true;
  if (Object.hasOwn(value, "__proto__")) return false;
  return Object.values(value).every(noOwnProto);
};

describe(`fuzz: every decoder of @x/events (seed ${SEED}, ${RUNS} runs each)`, () => {
  it("events decode payloads with their serializer (and schema) into a value, SerializationError or InvalidPayloadError only", async () => {
    const events = [
      Event("fuzz-json"),
      Event("fuzz-string", { serializer: stringSerializer }),
      Event("fuzz-date", { serializer: dateSerializer }),
      Event("fuzz-bytes", { serializer: bytesSerializer }),
      Event("fuzz-schema", { schema: z.object({ id: z.string(), n: z.number().int() }) }),
      Event("fuzz-walnats-date", { serializer: walnatsDateSerializer }),
      Event("fuzz-msgpack", { serializer: msgpackSerializer }),
      Event("fuzz-gzip", { serializer: gzipSerializer(jsonSerializer, { maxBytes: 65_536 }) }),
      Event("fuzz-hmac", { serializer: hmacSerializer(jsonSerializer, { key: "k" }) }),
      Event("fuzz-fernet", { serializer: fernetSerializer(jsonSerializer, { key: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=" }) }),
    ];
    await fc.assert(
      fc.asyncProperty(bytes, async (data) => {
        for (const event of events) {
          try {
            const value = await event.decode(data);
            expect(noOwnProto(value)).toBe(true);
          } catch (error) {
            if (!(error instanceof SerializationError) && !(error instanceof InvalidPayloadError)) throw error;
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      params,
    );
  });

  it("jsonSerializer never lets an own __proto__ key through", () => {
    fc.assert(
      fc.property(bytes, (data) => {
        only(
          (e) => e instanceof SyntaxError || e instanceof TypeError,
          () => {
            expect(noOwnProto(jsonSerializer.decode(data))).toBe(true);
          },
        );
      }),
      params,
    );
  });

  it("raw header blocks parse into a prototype-less record, or MalformedMessageError", () => {
    const block = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc
        .array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })), { maxLength: 8 })
        .map((pairs) => encoder.encode(`NATS/1.0\r\n${pairs.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`)),
    );
    fc.assert(
      fc.property(block, (data) => {
        only(
          (e) => e instanceof MalformedMessageError,
          () => {
            const record = parseHeaderBlock(data);
            expect(Object.getPrototypeOf(Object.getPrototypeOf(record))).toBeNull();
            for (const value of Object.values(record)) expect(typeof value).toBe("string");
          },
        );
      }),
      params,
    );
  });

  it("deliveries (ack subject, header block, payload) are read, or refused with MalformedMessageError", () => {
    const token = fc.oneof(fc.nat().map(String), fc.string({ maxLength: 12 }), fc.constant(""));
    const reply = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(token, { minLength: 9, maxLength: 12 }).map((tokens) => ["$JS", "ACK", ...tokens.slice(2)].join(".")),
    );
    const acker = Object.create(null) as Acker; // never called: the fuzz only constructs deliveries
    fc.assert(
      fc.property(reply, fc.uint8Array({ maxLength: 128 }), bytes, (subject, header, data) => {
        const raw = new Uint8Array(header.byteLength + data.byteLength);
        raw.set(header);
        raw.set(data, header.byteLength);
        const msg = {
          reply: subject,
          data,
          msg: { _msg: { hdr: header.byteLength }, _rdata: raw },
          working: () => undefined,
        } as unknown as JsMsg;
        only(
          (e) => e instanceof MalformedMessageError,
          () => {
            const delivery = new JetStreamDelivery(msg, acker);
            expect(Number.isSafeInteger(delivery.deliveryCount) && delivery.deliveryCount >= 1).toBe(true);
            expect(Number.isSafeInteger(delivery.streamSeq) && delivery.streamSeq >= 0).toBe(true);
            expect(Number.isFinite(delivery.storedAt)).toBe(true);
          },
        );
      }),
      params,
    );
  });

  it("delay headers and the server's publish acknowledgements never throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.nat().map(String), fc.double().map(String)), fc.integer(), (value, now) => {
        const until = parseDelayUntil(value, now);
        expect(until === undefined || Number.isSafeInteger(until)).toBe(true);
        const walnats = parseWalnatsDelay(value, now);
        expect(walnats === undefined || Number.isSafeInteger(walnats)).toBe(true);
        const envelope = readCloudEvent({ "ce-id": "i", "ce-source": "s", "ce-type": "t", "ce-time": value, "ce-sampledrate": value });
        expect(envelope?.time === undefined || !Number.isNaN(envelope.time.getTime())).toBe(true);
      }),
      params,
    );
    fc.assert(
      fc.property(bytes, fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }), (data, status) => {
        const result = parsePubAck(data, status);
        expect(typeof result.ok).toBe("boolean");
      }),
      params,
    );
  });
});
