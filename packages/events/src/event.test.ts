import { InvalidOptionError } from "@x/core";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { InvalidPayloadError, SerializationError } from "./errors.js";
import { Event } from "./event.js";
import { bytesSerializer, dateSerializer, jsonSerializer, type Serializer, stringSerializer } from "./serializers.js";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("serializers", () => {
  it("JSON is compact UTF-8 and round-trips walnats' sample values", async () => {
    const event = Event("samples");
    const samples: unknown[] = [{ name: "mark", age: 32 }, "héllo", 42, 4.2, true, false, null, [1, "a"], { nested: { list: [1] } }];
    for (const sample of samples) expect(await event.decode(await event.encode(sample))).toEqual(sample);
    expect(text(await event.encode({ a: 1, b: [1, 2] }))).toBe('{"a":1,"b":[1,2]}');
  });
  it("bytes pass through unchanged", async () => {
    const event = Event("raw", { serializer: bytesSerializer });
    const data = Uint8Array.of(0, 255, 7);
    expect(await event.encode(data)).toEqual(data);
    expect(await event.decode(data)).toEqual(data);
  });
  it("dates are ISO-8601 UTC strings; strings are plain UTF-8", () => {
    const at = new Date("2024-01-02T03:04:05.678Z");
    expect(text(dateSerializer.encode(at))).toBe("2024-01-02T03:04:05.678Z");
    expect(dateSerializer.decode(bytes("2024-01-02T03:04:05.678Z"))).toEqual(at);
    expect(() => dateSerializer.decode(bytes("soon"))).toThrow(/not an ISO-8601 date/);
    expect(stringSerializer.decode(stringSerializer.encode("ünïcode"))).toBe("ünïcode");
  });
  it("a custom serializer plugs in", async () => {
    const upper: Serializer<string> = {
      name: "upper",
      encode: (value) => bytes(value.toUpperCase()),
      decode: (data) => text(data).toLowerCase(),
    };
    const event = Event("shout", { serializer: upper });
    expect(text(await event.encode("hi"))).toBe("HI");
    expect(await event.decode(bytes("HI"))).toBe("hi");
  });
  it("encode and decode failures are SerializationErrors naming the event and direction", async () => {
    const event = Event("broken");
    await expect(event.encode(undefined)).rejects.toThrow(SerializationError);
    await expect(event.encode(10n)).rejects.toThrow(/cannot encode payload of event "broken"/);
    expect(() => event.decode(bytes("{nope"))).toThrow(/cannot decode payload of event "broken"/);
    expect(() => event.decode(Uint8Array.of(0xff, 0xfe))).toThrow(SerializationError); // invalid UTF-8 is an error
    expect(jsonSerializer.name).toBe("json");
  });
});

describe("Standard Schema validation", () => {
  const user = z.object({ name: z.string(), age: z.number().int().nonnegative() });

  it("types flow from a zod schema and payloads are validated on emit and on receive", async () => {
    const event = Event("user-created", { schema: user });
    expectTypeOf<Parameters<typeof event.encode>[0]>().toEqualTypeOf<{ name: string; age: number }>();
    expect(await event.decode(await event.encode({ name: "mark", age: 32 }))).toEqual({ name: "mark", age: 32 });
    await expect(event.encode({ name: "mark", age: -1 })).rejects.toThrow(InvalidPayloadError);
    let caught: unknown;
    try {
      void event.decode(bytes('{"name":7}')); // a sync schema fails synchronously
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidPayloadError);
    expect((caught as InvalidPayloadError).issues.map((i) => i.path)).toEqual(["name", "age"]);
  });

  it("works with valibot", async () => {
    const event = Event("parcel-sent", { schema: v.object({ parcel: v.string(), weight: v.number() }) });
    expect(await event.decode(await event.encode({ parcel: "p1", weight: 2 }))).toEqual({ parcel: "p1", weight: 2 });
    await expect(event.encode({ parcel: 1 } as never)).rejects.toThrow(/invalid payload for event "parcel-sent": parcel: /);
  });

  it("sends the input on the wire, so transforming schemas give the output to actors", async () => {
    const event = Event("measured", { schema: z.object({ cm: z.string().transform((s) => Number(s)) }) });
    expectTypeOf<Parameters<typeof event.encode>[0]>().toEqualTypeOf<{ cm: string }>();
    const wire = await event.encode({ cm: "12" });
    expect(text(wire)).toBe('{"cm":"12"}');
    expect(await event.decode(wire)).toEqual({ cm: 12 });
  });

  it("supports async schemas", async () => {
    const event = Event("checked", { schema: z.string().refine(async (s) => Promise.resolve(s.startsWith("ok"))) });
    expect(await event.decode(await event.encode("ok!"))).toBe("ok!");
    await expect(event.encode("bad")).rejects.toThrow(InvalidPayloadError);
  });

  it("rejects a schema that is not a Standard Schema, and other bad options", () => {
    expect(() => Event("e", { schema: {} as never })).toThrow(InvalidOptionError);
    expect(() => Event("e", { retention: "forever" as never })).toThrow(/`retention` must be one of interest, limits, workqueue/);
    expect(() => Event("e", { serializer: {} as never })).toThrow(/`serializer`/);
  });
});

describe("Event", () => {
  it("is frozen, with walnats' defaults: interest retention, JSON", () => {
    const event = Event<number>("counts", { description: "a count" });
    expect(Object.isFrozen(event)).toBe(true);
    expect(event).toMatchObject({ name: "counts", subject: "counts", streamName: "counts", retention: "interest", description: "a count" });
    expect(event.serializer).toBe(jsonSerializer);
  });
});
