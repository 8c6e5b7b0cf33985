import { describe, expect, expectTypeOf, it } from "vitest";
import { createHeart, type Heart, type HeartbeatMessage, type HeartbeatPublisher } from "@x/heartbeat";

describe("Heart types", () => {
  it("types the subject by subjectAsString and the result by the publisher", async () => {
    const subjects: string[] = [];
    const stringHeart = createHeart({
      process: "t",
      subjectAsString: true,
      publisher: {
        publish: ({ subject }) => {
          expectTypeOf(subject).toEqualTypeOf<string>();
          subjects.push(subject);
        },
      },
    });
    expectTypeOf<ReturnType<typeof stringHeart.beat>>().toBeVoid();
    stringHeart.beat({ periodMs: 1_000 });

    const byteHeart = createHeart({
      process: "t",
      publisher: {
        publish: async ({ subject }): Promise<void> => {
          expectTypeOf(subject).toEqualTypeOf<Uint8Array>();
          subjects.push(new TextDecoder().decode(subject));
          await Promise.resolve();
        },
      },
    });
    expectTypeOf<ReturnType<typeof byteHeart.beat>>().toEqualTypeOf<Promise<void>>();
    await byteHeart.beat({ periodMs: 1_000 });

    // A publisher that takes either form fits both, with a subjectAsString known only at run time.
    const either: HeartbeatPublisher<void> = {
      publish: (message: HeartbeatMessage) => {
        subjects.push(typeof message.subject === "string" ? message.subject : "bytes");
      },
    };
    const asString = subjects.length > 0;
    const anyHeart: Heart = createHeart({ process: "t", publisher: either, subjectAsString: asString });
    expectTypeOf<ReturnType<typeof anyHeart.stop>>().extract<Promise<void>>().toEqualTypeOf<Promise<void>>();
    await anyHeart.stop();
    expect(subjects).toEqual(["heartbeat.t", "heartbeat.t", "heartbeat.t"]);
  });
});
