import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { Heart, type HeartbeatMessage } from "./heart.js";

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
function steppingClock(): () => number {
  let t = 1_000_000;
  return () => (t += 100);
}

describe("Heart: the beatit README sequences", () => {
  it("sync publisher prints exactly the README's lines", () => {
    const lines: string[] = [];
    const printer = {
      publish: (m: HeartbeatMessage): void => {
        lines.push(line(m));
      },
    };
    const heart = new Heart({ process: "my.process.identifier", publisher: printer, clock: steppingClock() });
    heart.start({ warmup: 60 });
    heart.beat({ period: 5 });
    heart.beat({ period: 5 });
    heart.degraded({ period: 5 });
    heart.degraded({ period: 5 });
    heart.stop();
    expect(lines).toEqual([
      "b'start/60' -> b'heartbeat.my.process.identifier'",
      "b'beat/5' -> b'heartbeat.my.process.identifier'",
      "b'degraded/5' -> b'heartbeat.my.process.identifier'",
      "b'stop' -> b'heartbeat.my.process.identifier'",
    ]);
    // A sync publisher makes a sync heart: nothing to await.
    const untyped: Heart = heart;
    const result = untyped.beat({ period: 6 });
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
    const heart = new Heart({ process: "my.process.identifier", publisher: asyncPrinter, clock: steppingClock() });
    // An async heart is still a `Heart` (what @x/worker accepts).
    const untyped: Heart = heart;
    expect(untyped).toBe(heart);
    const started = heart.start({ warmup: 60 });
    expect(started).toBeInstanceOf(Promise);
    await started;
    await heart.beat({ period: 5 });
    // Suppressed, and still a promise, as the type says: `.then()` on it must work.
    const repeat = heart.beat({ period: 5 });
    expect(repeat).toBeInstanceOf(Promise);
    await repeat;
    await heart.degraded({ period: 5 });
    const repeatDegraded = heart.degraded({ period: 5 });
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
    const heart = new Heart({
      process: "my.process.identifier",
      publisher: {
        publish: (m: HeartbeatMessage): void => {
          lines.push(line(m));
        },
      },
      subjectAsString: true,
      clock: steppingClock(),
    });
    heart.start({ warmup: 30 });
    expect(lines).toEqual(["b'start/30' -> heartbeat.my.process.identifier"]);
    expect(heart.subject).toBe("heartbeat.my.process.identifier");
  });

  it("subject and payload are bytes by default", () => {
    const rec = recorder();
    new Heart({ process: "a.b", publisher: rec }).beat({ period: 5 });
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
    const heart = new Heart({ process: "p", publisher: thenable });
    let settled = false;
    const result = heart.beat({ period: 5 });
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
    const heart = new Heart({ process: "p", publisher: rec });
    heart.start({ warmup: 60 });
    heart.beat({ period: 0.5 });
    heart.degraded({ period: 5 });
    heart.beat({ period: 60.0 });
    heart.beat({ period: 1 / 3 });
    expect(rec.payloads()).toEqual(["start/60", "beat/0.5", "degraded/5", "beat/60", `beat/${String(1 / 3)}`]);
  });
});

/** One step of a scripted sequence: a heart call, or `wait` to move the clock (milliseconds). */
type Step = ["start" | "beat" | "degraded", number] | ["stop"] | ["wait", number];

/** Plays the steps against a heart on a manual clock and returns the payloads published. */
function play(steps: readonly Step[], minIntervalMs?: number, startMs = 1_000_000): string[] {
  const clock = manualClock(startMs);
  const rec = recorder();
  const heart = new Heart({
    process: "my.process.identifier",
    publisher: rec,
    clock: clock.now,
    ...(minIntervalMs === undefined ? {} : { minIntervalMs }),
  });
  for (const step of steps) {
    if (step[0] === "wait") clock.advance(step[1]);
    else if (step[0] === "start") heart.start({ warmup: step[1] });
    else if (step[0] === "beat") heart.beat({ period: step[1] });
    else if (step[0] === "degraded") heart.degraded({ period: step[1] });
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

describe("Heart: rate limiting (spec A1-A11, better mode)", () => {
  it.each<[string, Step[], string[], number?]>([
    [
      "A1: repeats of the same kind and period within the window are suppressed",
      [["start", 60], ["beat", 5], ["wait", 100], ["beat", 5], ["wait", 100], ["degraded", 5], ["wait", 100], ["degraded", 5], ["wait", 100], ["stop"]],
      ["start/60", "beat/5", "degraded/5", "stop"],
    ],
    ["A2: the boundary is inclusive", [["beat", 5], ["wait", 999], ["beat", 5], ["wait", 1], ["beat", 5]], ["beat/5", "beat/5"]],
    ["A3: a period change always publishes", [["beat", 5], ["wait", 500], ["beat", 10], ["wait", 100], ["beat", 10]], ["beat/5", "beat/10"]],
    [
      "A4: a recovery beat right after degraded is published",
      [["beat", 5], ["wait", 200], ["degraded", 5], ["wait", 300], ["beat", 5]],
      ["beat/5", "degraded/5", "beat/5"],
    ],
    ["A5: start and stop are never throttled", [["start", 60], ["start", 60], ["stop"], ["stop"]], ["start/60", "start/60", "stop", "stop"]],
    [
      "a beat after start or stop is a kind change and publishes",
      [["beat", 5], ["stop"], ["start", 1], ["beat", 5]],
      ["beat/5", "stop", "start/1", "beat/5"],
    ],
    ["minIntervalMs 0 disables rate limiting", [["beat", 5], ["beat", 5]], ["beat/5", "beat/5"], 0],
    ["a longer minIntervalMs", [["beat", 60], ["wait", 5000], ["beat", 60], ["wait", 5000], ["beat", 60]], ["beat/60", "beat/60"], 10_000],
    [
      "the window is never longer than the period",
      [["beat", 0.25], ["wait", 200], ["beat", 0.25], ["wait", 50], ["beat", 0.25]],
      ["beat/0.25", "beat/0.25"],
      1000,
    ],
    ["only the injected clock counts, not real time", [["beat", 5], ["beat", 5], ["wait", 1000], ["beat", 5]], ["beat/5", "beat/5"]],
  ])("%s", (_name, steps, expected, minIntervalMs) => {
    expect(play(steps, minIntervalMs)).toEqual(expected);
  });

  it("a clock that goes backwards does not silence beats until it catches up", () => {
    expect(play([["beat", 5], ["wait", -60_000], ["beat", 5], ["wait", 100], ["beat", 5]])).toEqual(["beat/5", "beat/5"]);
  });

  it("a suppressed call of a sync heart returns nothing", () => {
    const rec = recorder();
    // Typed as any heart, since a sync heart's methods are typed `void`.
    const heart: Heart = new Heart({ process: "p", publisher: rec, clock: () => 0 });
    expect(heart.beat({ period: 5 })).toBeUndefined();
    expect(heart.beat({ period: 5 })).toBeUndefined();
    expect(rec.payloads()).toEqual(["beat/5"]);
  });

  it("A11: the first beat always publishes, whatever the clock reads", () => {
    expect(play([["beat", 5]], undefined, 0)).toEqual(["beat/5"]);
  });

  it("A8: a publish that throws reaches the caller and does not use up the window", () => {
    const clock = manualClock();
    const publisher = failingOnce();
    const heart = new Heart({ process: "p", clock: clock.now, publisher: { publish: publisher.attempt } });
    expect(() => {
      heart.beat({ period: 5 });
    }).toThrow("broker down");
    clock.advance(500);
    heart.beat({ period: 5 });
    clock.advance(100);
    heart.beat({ period: 5 });
    expect(publisher.sent).toEqual(["beat/5"]);
  });

  it("A8 async: a rejected publish gives the window back", async () => {
    const clock = manualClock();
    const publisher = failingOnce();
    const heart = new Heart({
      process: "p",
      clock: clock.now,
      publisher: {
        publish: async (m: HeartbeatMessage): Promise<void> => {
          await Promise.resolve();
          publisher.attempt(m);
        },
      },
    });
    await expect(heart.beat({ period: 5 })).rejects.toThrow("broker down");
    await heart.beat({ period: 5 });
    await heart.beat({ period: 5 });
    expect(publisher.sent).toEqual(["beat/5"]);
  });

  it("concurrent async beats cannot both get through the window", async () => {
    const clock = manualClock();
    const sent: string[] = [];
    const heart = new Heart({
      process: "p",
      clock: clock.now,
      publisher: {
        publish: async (m: HeartbeatMessage): Promise<void> => {
          await new Promise((resolve) => setImmediate(resolve));
          sent.push(decoder.decode(m.payload));
        },
      },
    });
    await Promise.all([heart.beat({ period: 5 }), heart.beat({ period: 5 }), heart.beat({ period: 5 })]);
    expect(sent).toEqual(["beat/5"]);
  });
});

describe("Heart: validation (A7, A10 better mode)", () => {
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
    const attempt = () => new Heart({ process, publisher });
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(problem);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: "ERR_INVALID_ARGUMENT", argument: "process", value: process });
    }
  });

  it("rejects options and method arguments that are not objects, naming them", () => {
    expect(() => new Heart(undefined as unknown as { process: string; publisher: typeof publisher })).toThrow(/`options` must be an object \(got undefined\)/);
    const heart = new Heart({ process: "p", publisher });
    const untyped = heart as unknown as { start(o?: unknown): void; beat(o?: unknown): void; degraded(o?: unknown): void };
    expect(() => {
      untyped.start();
    }).toThrow(/`start\(\) options` must be an object/);
    expect(() => {
      untyped.beat(5);
    }).toThrow(InvalidArgumentError);
    expect(() => {
      untyped.degraded(null);
    }).toThrow(/`degraded\(\) options`/);
  });

  it("rejects a process name whose subject would be over MAX_SUBJECT_BYTES of UTF-8", () => {
    // heartbeat. is 10 bytes, so a name may take 1014; é is two bytes.
    expect(new Heart({ process: "é".repeat(507), publisher }).process).toHaveLength(507);
    expect(() => new Heart({ process: "é".repeat(508), publisher })).toThrow(/`process` must be at most 1014 bytes of UTF-8/);
    expect(() => new Heart({ process: "a".repeat(1015), publisher })).toThrow(InvalidArgumentError);
  });

  it("rejects a non-string process and a publisher without publish", () => {
    expect(() => new Heart({ process: 42 as unknown as string, publisher })).toThrow(/`process` must be a string \(got 42\)/);
    expect(() => new Heart({ process: "p", publisher: {} as typeof publisher })).toThrow(/`publisher`/);
  });

  it("rejects bad minIntervalMs, subjectAsString and clock", () => {
    expect(() => new Heart({ process: "p", publisher, minIntervalMs: -1 })).toThrow(/`minIntervalMs`.*got -1/);
    expect(() => new Heart({ process: "p", publisher, minIntervalMs: Number.NaN })).toThrow(/`minIntervalMs`/);
    expect(() => new Heart({ process: "p", publisher, subjectAsString: "yes" as unknown as boolean })).toThrow(/`subjectAsString`/);
    expect(() => new Heart({ process: "p", publisher, clock: 5 as unknown as () => number })).toThrow(/`clock`/);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number, undefined as unknown as number])(
    "rejects warmup and period %j with a typed error naming the value",
    (value) => {
      const rec = recorder();
      const heart = new Heart({ process: "p", publisher: rec });
      expect(() => {
        heart.start({ warmup: value });
      }).toThrow(InvalidArgumentError);
      expect(() => {
        heart.start({ warmup: value });
      }).toThrow(/`warmup` must be a finite number > 0/);
      expect(() => {
        heart.beat({ period: value });
      }).toThrow(/`period`/);
      expect(() => {
        heart.degraded({ period: value });
      }).toThrow(/`period`/);
      expect(rec.messages).toEqual([]);
    },
  );

  it("does not mutate the caller's options", () => {
    const options = Object.freeze({ process: "p", publisher, minIntervalMs: 5 });
    const heart = new Heart(options);
    expect(heart.minIntervalMs).toBe(5);
    expect(heart.process).toBe("p");
  });

  it("accepts names with unicode and dashes", () => {
    expect(new Heart({ process: "billing-eu.wörker_1", publisher }).process).toBe("billing-eu.wörker_1");
  });
});
