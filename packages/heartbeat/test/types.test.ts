import {
  createHeart,
  createHeartbeatService,
  createMonitor,
  type Heart,
  type HeartbeatMessage,
  type HeartbeatPublisher,
  type StatusChange,
  type Transition,
} from "@x/heartbeat";
import { describe, expect, expectTypeOf, it } from "vitest";

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

describe("the public surface", () => {
  it("exports factories, not classes, and no internals", async () => {
    const api = await import("@x/heartbeat");
    expect(Object.keys(api).sort()).toEqual([
      "AlreadyRunningError",
      "GatewayError",
      "GatewayHttpError",
      "GatewayResponseError",
      "GatewayTimeoutError",
      "HEARTBEAT_SUBJECT_PREFIX",
      "HeartbeatError",
      "HeartbeatFailedError",
      "InvalidHeartbeatError",
      "InvalidOptionError",
      "InvalidProcessNameError",
      "IteratorOverflowError",
      "MAX_PAYLOAD_BYTES",
      "MAX_SUBJECT_BYTES",
      "createHeart",
      "createHeartbeatService",
      "createJobmonHttpGateway",
      "createMonitor",
      "parseHeartbeat",
      "processNameProblem",
    ]);
  });

  it("types each listener by its event", async () => {
    const monitor = createMonitor();
    const off = monitor.on("transition", (transition) => {
      expectTypeOf(transition).toEqualTypeOf<Transition>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    monitor.on("invalid", (invalid) => {
      expectTypeOf(invalid.reason).toBeString();
    });
    const service = createHeartbeatService<"R" | "H">({
      gateway: { logHeartbeat: async () => ({ status: "R" }) },
      intervalMs: 1_000,
      reportByBuffer: 2,
      initialStatus: "R",
    });
    service.on("status", (change) => {
      expectTypeOf(change).toEqualTypeOf<StatusChange<"R" | "H">>();
    });
    service.on("failure", (error) => {
      expectTypeOf(error).toEqualTypeOf<Error>();
    });
    off();
    await monitor.close();
  });
});
