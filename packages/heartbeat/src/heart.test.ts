import { InvalidOptionError, type TimeSource } from "@x/core";
import { describe, expect, it } from "vitest";
import { timeAt } from "../test/fake-clock.js";
import { InvalidProcessNameError } from "./errors.js";
import { createHeart, type Heart, type HeartbeatMessage } from "./heart.js";

const decoder = new TextDecoder();
/** Python's repr of bytes for ASCII, as beatit's doctests print them. */
const pyBytes = (bytes: Uint8Array): string => `b'${decoder.decode(bytes)}'`;
const line = ({ subject, payload }: HeartbeatMessage): string =>
  `${pyBytes(payload)} -> ${typeof subject === "string" ? subject : pyBytes(subject)}`;

/** A settable clock in milliseconds. */
function manualClock(startMs = 1_000_000): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

function recorder(): { messages: HeartbeatMessage[]; payloads: () => string[]; publish: (m: HeartbeatMessage) => void } {
  const messages: HeartbeatMessage[] = [];
  return {
    messages,
    payloads: () => messages.map((m) => decoder.decode(m.payload)),
    publish: (m) => {
      messages.push(m);
    },
  };
}

/**
 * A clock that moves 100 ms each time it is read: the README's calls come a fraction of a second
 * apart, as in beatit's doctest, however slow the machine is.
 */
function steppingClock(): TimeSource {
  let t = 1_000_000;
  return timeAt(() => (t += 100));
}

describe("Heart: the beatit README sequences", () => {
  it("sync publisher prints exactly the README's lines", () => {
    const lines: string[] = [];
    const printer = {
      publish: (m: HeartbeatMessage): void => {
        lines.push(line(m));
      },
    };
    const heart = createHeart({ process: "my.process.identifier", publisher: printer, time: steppingClock() });
    heart.start({ warmupMs: 60_000 });
    heart.beat({ periodMs: 5_000 });
    heart.beat({ periodMs: 5_000 });
    heart.degraded({ periodMs: 5_000 });
    heart.degraded({ periodMs: 5_000 });
    heart.stop();
    expect(lines).toEqual([
      "b'start/60' -> b'heartbeat.my.process.identifier'",
      "b'beat/5' -> b'heartbeat.my.process.identifier'",
      "b'degraded/5' -> b'heartbeat.my.process.identifier'",
      "b'stop' -> b'heartbeat.my.process.identifier'",
    ]);
    // A sync publisher makes a sync heart: nothing to await.
    const untyped: Heart = heart;
    const result = untyped.beat({ periodMs: 6_000 });
    expect(result).toBeUndefined();
  });

  it("async publisher: every method returns a promise and the same lines come out", async () => {
    const lines: string[] = [];
    const asyncPrinter = {
      publish: async (m: HeartbeatMessage): Promise<void> => {
        await Promise.resolve();
        lines.push(line(m));
      },
    };
    const heart = createHeart({ process: "my.process.identifier", publisher: asyncPrinter, time: steppingClock() });
    // An async heart is still a `Heart` (what @x/worker accepts).
    const untyped: Heart = heart;
    expect(untyped).toBe(heart);
    const started = heart.start({ warmupMs: 60_000 });
    expect(started).toBeInstanceOf(Promise);
    await started;
    await heart.beat({ periodMs: 5_000 });
    // Suppressed, and still a promise, as the type says: `.then()` on it must work.
    const repeat = heart.beat({ periodMs: 5_000 });
    expect(repeat).toBeInstanceOf(Promise);
    await repeat;
    await heart.degraded({ periodMs: 5_000 });
    const repeatDegraded = heart.degraded({ periodMs: 5_000 });
    expect(repeatDegraded).toBeInstanceOf(Promise);
    await repeatDegraded;
    await heart.stop();
    expect(lines).toEqual([
      "b'start/60' -> b'heartbeat.my.process.identifier'",
      "b'beat/5' -> b'heartbeat.my.process.identifier'",
      "b'degraded/5' -> b'heartbeat.my.process.identifier'",
      "b'stop' -> b'heartbeat.my.process.identifier'",
    ]);
  });

  it("subjectAsString passes the subject as a string", () => {
    const lines: string[] = [];
    const heart = createHeart({
      process: "my.process.identifier",
      publisher: {
        publish: (m: HeartbeatMessage): void => {
          lines.push(line(m));
        },
      },
      subjectAsString: true,
      time: steppingClock(),
    });
    heart.start({ warmupMs: 30_000 });
    expect(lines).toEqual(["b'start/30' -> heartbeat.my.process.identifier"]);
    expect(heart.subject).toBe("heartbeat.my.process.identifier");
  });

  it("subject and payload are bytes by default", () => {
    const rec = recorder();
    createHeart({ process: "a.b", publisher: rec }).beat({ periodMs: 5_000 });
    const [message] = rec.messages;
    expect(message?.subject).toBeInstanceOf(Uint8Array);
    expect(message?.payload).toBeInstanceOf(Uint8Array);
    expect(decoder.decode(message?.subject as Uint8Array)).toBe("heartbeat.a.b");
  });

  it("detects an async publisher by its result, not its declaration (a thenable counts)", async () => {
    let resolveIt: () => void = () => undefined;
    const thenable = {
      publish: (): PromiseLike<void> =>
        ({
          then: (ok: () => void) => {
            resolveIt = ok;
          },
        }) as unknown as PromiseLike<void>,
    };
    const heart = createHeart({ process: "p", publisher: thenable });
    let settled = false;
    const result = heart.beat({ periodMs: 5_000 });
    expect(result).toBeInstanceOf(Promise);
    void result.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    resolveIt();
    await result;
    expect(settled).toBe(true);
  });
});

describe("Heart: number formatting", () => {
  it("writes numbers in their shortest form", () => {
    const rec = recorder();
    const heart = createHeart({ process: "p", publisher: rec });
    heart.start({ warmupMs: 60_000 });
    heart.beat({ periodMs: 500 });
    heart.degraded({ periodMs: 5_000 });
    heart.beat({ periodMs: 60_000 });
    heart.beat({ periodMs: 1000 / 3 });
    expect(rec.payloads()).toEqual(["start/60", "beat/0.5", "degraded/5", "beat/60", `beat/${String(1 / 3)}`]);
  });
});

/** One step of a scripted sequence: a heart call (warmup or period in seconds, as on the wire), or `wait` to move the clock (milliseconds). */
type Step = ["start" | "beat" | "degraded", number] | ["stop"] | ["wait", number];

/** Plays the steps against a heart on a manual clock and returns the payloads published. */
function play(steps: readonly Step[], minIntervalMs?: number, startMs = 1_000_000): string[] {
  const clock = manualClock(startMs);
  const rec = recorder();
  const heart = createHeart({
    process: "my.process.identifier",
    publisher: rec,
    time: timeAt(clock.now),
    ...(minIntervalMs === undefined ? {} : { minIntervalMs }),
  });
  for (const step of steps) {
    if (step[0] === "wait") clock.advance(step[1]);
    else if (step[0] === "start") heart.start({ warmupMs: step[1] * 1000 });
    else if (step[0] === "beat") heart.beat({ periodMs: step[1] * 1000 });
    else if (step[0] === "degraded") heart.degraded({ periodMs: step[1] * 1000 });
    else heart.stop();
  }
  return rec.payloads();
}

/** A publish function that throws the first time, then records payloads. */
function failingOnce(): { sent: string[]; attempt: (m: HeartbeatMessage) => void } {
  const sent: string[] = [];
  let failNext = true;
  return {
    sent,
    attempt: (m) => {
      if (failNext) {
        failNext = false;
        throw new Error("broker down");
      }
      sent.push(decoder.decode(m.payload));
    },
  };
}

describe("Heart: rate limiting", () => {
  it.each<[string, Step[], string[], number?]>([
    [
      "repeats of the same kind and period within the window are suppressed",
      [
        ["start", 60],
        ["beat", 5],
        ["wait", 100],
        ["beat", 5],
        ["wait", 100],
        ["degraded", 5],
        ["wait", 100],
        ["degraded", 5],
        ["wait", 100],
        ["stop"],
      ],
      ["start/60", "beat/5", "degraded/5", "stop"],
    ],
    [
      "the boundary is inclusive",
      [
        ["beat", 5],
        ["wait", 999],
        ["beat", 5],
        ["wait", 1],
        ["beat", 5],
      ],
      ["beat/5", "beat/5"],
    ],
    [
      "a period change always publishes",
      [
        ["beat", 5],
        ["wait", 500],
        ["beat", 10],
        ["wait", 100],
        ["beat", 10],
      ],
      ["beat/5", "beat/10"],
    ],
    [
      "a recovery beat right after degraded is published",
      [
        ["beat", 5],
        ["wait", 200],
        ["degraded", 5],
        ["wait", 300],
        ["beat", 5],
      ],
      ["beat/5", "degraded/5", "beat/5"],
    ],
    ["start and stop are never throttled", [["start", 60], ["start", 60], ["stop"], ["stop"]], ["start/60", "start/60", "stop", "stop"]],
    [
      "a beat after start or stop is a kind change and publishes",
      [["beat", 5], ["stop"], ["start", 1], ["beat", 5]],
      ["beat/5", "stop", "start/1", "beat/5"],
    ],
    [
      "minIntervalMs 0 disables rate limiting",
      [
        ["beat", 5],
        ["beat", 5],
      ],
      ["beat/5", "beat/5"],
      0,
    ],
    [
      "a longer minIntervalMs",
      [
        ["beat", 60],
        ["wait", 5000],
        ["beat", 60],
        ["wait", 5000],
        ["beat", 60],
      ],
      ["beat/60", "beat/60"],
      10_000,
    ],
    [
      "the window is never longer than the period",
      [
        ["beat", 0.25],
        ["wait", 200],
        ["beat", 0.25],
        ["wait", 50],
        ["beat", 0.25],
      ],
      ["beat/0.25", "beat/0.25"],
      1000,
    ],
    [
      "only the injected clock counts, not real time",
      [
        ["beat", 5],
        ["beat", 5],
        ["wait", 1000],
        ["beat", 5],
      ],
      ["beat/5", "beat/5"],
    ],
  ])("%s", (_name, steps, expected, minIntervalMs) => {
    expect(play(steps, minIntervalMs)).toEqual(expected);
  });

  it("a clock that goes backwards does not silence beats until it catches up", () => {
    expect(
      play([
        ["beat", 5],
        ["wait", -60_000],
        ["beat", 5],
        ["wait", 100],
        ["beat", 5],
      ]),
    ).toEqual(["beat/5", "beat/5"]);
  });

  it("a suppressed call of a sync heart returns nothing", () => {
    const rec = recorder();
    // Typed as any heart, since a sync heart's methods are typed `void`.
    const heart: Heart = createHeart({ process: "p", publisher: rec, time: timeAt(() => 0) });
    expect(heart.beat({ periodMs: 5_000 })).toBeUndefined();
    expect(heart.beat({ periodMs: 5_000 })).toBeUndefined();
    expect(rec.payloads()).toEqual(["beat/5"]);
  });

  it("the first beat always publishes, whatever the clock reads", () => {
    expect(play([["beat", 5]], undefined, 0)).toEqual(["beat/5"]);
  });

  it("a publish that throws reaches the caller and does not use up the window", () => {
    const clock = manualClock();
    const publisher = failingOnce();
    const heart = createHeart({ process: "p", time: timeAt(clock.now), publisher: { publish: publisher.attempt } });
    expect(() => {
      heart.beat({ periodMs: 5_000 });
    }).toThrow("broker down");
    clock.advance(500);
    heart.beat({ periodMs: 5_000 });
    clock.advance(100);
    heart.beat({ periodMs: 5_000 });
    expect(publisher.sent).toEqual(["beat/5"]);
  });

  it("async: a rejected publish gives the window back", async () => {
    const clock = manualClock();
    const publisher = failingOnce();
    const heart = createHeart({
      process: "p",
      time: timeAt(clock.now),
      publisher: {
        publish: async (m: HeartbeatMessage): Promise<void> => {
          await Promise.resolve();
          publisher.attempt(m);
        },
      },
    });
    await expect(heart.beat({ periodMs: 5_000 })).rejects.toThrow("broker down");
    await heart.beat({ periodMs: 5_000 });
    await heart.beat({ periodMs: 5_000 });
    expect(publisher.sent).toEqual(["beat/5"]);
  });

  it("concurrent async beats cannot both get through the window", async () => {
    const clock = manualClock();
    const sent: string[] = [];
    const heart = createHeart({
      process: "p",
      time: timeAt(clock.now),
      publisher: {
        publish: async (m: HeartbeatMessage): Promise<void> => {
          await new Promise((resolve) => setImmediate(resolve));
          sent.push(decoder.decode(m.payload));
        },
      },
    });
    await Promise.all([heart.beat({ periodMs: 5_000 }), heart.beat({ periodMs: 5_000 }), heart.beat({ periodMs: 5_000 })]);
    expect(sent).toEqual(["beat/5"]);
  });
});

describe("Heart: validation", () => {
  const publisher = { publish: () => undefined };

  it.each([
    ["", "must not be empty"],
    ["my process", "whitespace"],
    ["a.*", "wildcards"],
    ["a.>", "wildcards"],
    ["a..b", "empty token"],
    [".a", "empty token"],
    ["a.", "empty token"],
    ["tab\there", "whitespace"],
    ["nbsp\u00a0here", "whitespace (U+00A0)"],
    ["next\u0085line", "control characters (U+0085)"],
    ["del\u007f", "control characters (U+007F)"],
    ["csi\u009b", "control characters (U+009B)"],
    ["zero\u200bwidth", "invisible format characters (U+200B)"],
    ["join\u200dme", "invisible format characters (U+200D)"],
    ["\ufeffbom", "invisible format characters (U+FEFF)"],
    ["rtl\u202eoverride", "invisible format characters (U+202E)"],
    ["line\u2028sep", "whitespace (U+2028)"],
    ["para\u2029sep", "whitespace (U+2029)"],
    ["lone\ud800", "lone surrogate (U+D800)"],
    ["\udfffback", "lone surrogate (U+DFFF)"],
  ])("rejects the process name %j", (process, problem) => {
    const attempt = () => createHeart({ process, publisher });
    expect(attempt).toThrow(InvalidProcessNameError);
    expect(attempt).toThrow(problem);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_INVALID_PROCESS_NAME", processName: process });
      expect((error as InvalidProcessNameError).problem).toContain(problem);
    }
  });

  it("rejects options and method arguments that are not objects, and unknown keys, naming them", () => {
    expect(() => createHeart(undefined as unknown as { process: string; publisher: typeof publisher })).toThrow(
      /option `options` of createHeart\(\) must be an object/,
    );
    expect(() =>
      createHeart({ process: "p", publisher, minIntervalMS: 5 } as unknown as { process: string; publisher: typeof publisher }),
    ).toThrow(
      /option `minIntervalMS` is not an option of createHeart\(\); valid options: minIntervalMs, process, publisher, subjectAsString, time/,
    );
    const heart = createHeart({ process: "p", publisher });
    const untyped = heart as unknown as { start(o?: unknown): void; beat(o?: unknown): void; degraded(o?: unknown): void };
    expect(() => {
      untyped.start();
    }).toThrow(/`options` of start\(\) must be an object/);
    expect(() => {
      untyped.beat(5);
    }).toThrow(InvalidOptionError);
    expect(() => {
      untyped.degraded(null);
    }).toThrow(/of degraded\(\)/);
    expect(() => {
      untyped.beat({ period: 5 });
    }).toThrow(/`period` is not an option of beat\(\); valid options: periodMs/);
  });

  it("rejects a process name whose subject would be over MAX_SUBJECT_BYTES of UTF-8", () => {
    // heartbeat. is 10 bytes, so a name may take 1014; é is two bytes.
    expect(createHeart({ process: "é".repeat(507), publisher }).process).toHaveLength(507);
    expect(() => createHeart({ process: "é".repeat(508), publisher })).toThrow(/must be at most 1014 bytes of UTF-8/);
    expect(() => createHeart({ process: "a".repeat(1015), publisher })).toThrow(InvalidProcessNameError);
  });

  it("rejects a non-string process and a publisher without publish", () => {
    expect(() => createHeart({ process: 42 as unknown as string, publisher })).toThrow(/option `process` must be a string, got 42/);
    expect(() => createHeart({ process: 42 as unknown as string, publisher })).toThrow(InvalidOptionError);
    expect(() => createHeart({ process: "p", publisher: {} as typeof publisher })).toThrow(/`publisher`/);
  });

  it("rejects bad minIntervalMs, subjectAsString and time", () => {
    expect(() => createHeart({ process: "p", publisher, minIntervalMs: -1 })).toThrow(/`minIntervalMs`.*got -1/);
    expect(() => createHeart({ process: "p", publisher, minIntervalMs: Number.NaN })).toThrow(/`minIntervalMs`/);
    expect(() => createHeart({ process: "p", publisher, subjectAsString: "yes" as unknown as boolean })).toThrow(/`subjectAsString`/);
    expect(() => createHeart({ process: "p", publisher, time: (() => 0) as unknown as TimeSource })).toThrow(/`time`/);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number, undefined as unknown as number])(
    "rejects warmupMs and periodMs %j with a typed error naming the value",
    (value) => {
      const rec = recorder();
      const heart = createHeart({ process: "p", publisher: rec });
      expect(() => {
        heart.start({ warmupMs: value });
      }).toThrow(InvalidOptionError);
      expect(() => {
        heart.start({ warmupMs: value });
      }).toThrow(/`warmupMs` must be a finite number of milliseconds > 0/);
      expect(() => {
        heart.beat({ periodMs: value });
      }).toThrow(/`periodMs`/);
      expect(() => {
        heart.degraded({ periodMs: value });
      }).toThrow(/`periodMs`/);
      expect(rec.messages).toEqual([]);
    },
  );

  it("does not mutate the caller's options", () => {
    const options = Object.freeze({ process: "p", publisher, minIntervalMs: 5 });
    const heart = createHeart(options);
    expect(heart.minIntervalMs).toBe(5);
    expect(heart.process).toBe("p");
  });

  it("accepts names with unicode and dashes", () => {
    expect(createHeart({ process: "billing-eu.wörker_1", publisher }).process).toBe("billing-eu.wörker_1");
  });
});
