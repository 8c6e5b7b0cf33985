/**
 * Fuzzing of every heartbeat decoder with hostile subjects and payloads (fixed seed, so a
 * failure reproduces): control, format and separator characters, lone surrogates, invalid UTF-8,
 * wildcards, empty tokens, odd numbers, oversize input. Checked on every input:
 * - `parseHeartbeat()` throws nothing but `InvalidHeartbeatError`; `Monitor.receive()` never
 *   throws and accepts exactly what `parseHeartbeat()` accepts;
 * - an accepted name follows the name rules and round-trips through UTF-8, and the string and
 *   byte forms of a subject decode to the same heartbeat;
 * - a name `Heart` accepts is published on a subject the monitor reads back as that very name,
 *   and a name it refuses (with `InvalidProcessNameError`) the monitor refuses too;
 * - whatever a `HeartbeatService` gateway answers, `tick()` resolves or rejects with
 *   `GatewayError`, and only a string status is adopted.
 * ~2,000 inputs per property in the test command, 50,000 under `pnpm soak`.
 */
import { printFaultReport, soakScale } from "@x/test-servers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createHeart,
  createHeartbeatService,
  createMonitor,
  GatewayError,
  type Heart,
  type Heartbeat,
  InvalidHeartbeatError,
  InvalidProcessNameError,
  MAX_PAYLOAD_BYTES,
  parseHeartbeat,
  processNameProblem,
} from "../../src/index.js";
import { timeAt } from "../fake-clock.js";

const SEED = 1309;
const RUNS = soakScale(2_000, 50_000);
const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

/** Characters the name rules are about, and some they allow. */
const hostileCharacter = fc.constantFrom(
  "\u0000",
  "\t",
  "\n",
  "\r",
  " ",
  "\u007f",
  "\u0085",
  "\u009b",
  "\u00a0",
  "\u00ad",
  "\u061c",
  "\u1680",
  "\u180e",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u200e",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2060",
  "\u3000",
  "\ufeff",
  "\ufffd",
  "\ufffe",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "\ud83d\ude00",
  "\udb40\udc01",
  "*",
  ">",
  ".",
  "..",
  "é",
  "ß",
  "中",
  "-",
  "_",
);

/** Process names: mostly plausible tokens, with hostile characters and arbitrary code units mixed in. */
const nameText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,8}$/) },
      { weight: 2, arbitrary: hostileCharacter },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant(".") },
    ),
    { minLength: 0, maxLength: 8 },
  )
  .map((parts) => parts.join(""));

const numberText = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 1e-9, max: 1e9, noNaN: true }).map(String) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 86_400 }).map(String) },
  fc.double({ noNaN: true }).map(String),
  fc.constantFrom("1e309", "1e-400", "0", "-1", "5.", ".5", "1e", "0x10", "Infinity", "NaN", " 5", "5 ", "1_000", "٣", "1e+3", "1E-7"),
  fc.string({ unit: "binary", maxLength: 6 }),
);

const payloadText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom("start/", "beat/", "degraded/"), numberText).map(([kind, n]) => kind + n) },
  { weight: 2, arbitrary: fc.constantFrom("stop", "stop/1", "STOP", "beat", "", "stop\n", `beat/${"1".repeat(MAX_PAYLOAD_BYTES)}`) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
);

const subjectText: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: nameText.map((name) => `heartbeat.${name}`) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom("heartbeat", "heartbeat.", "Heartbeat.a", `heartbeat.${"x".repeat(1020)}`) },
);

/** Raw bytes after the prefix: invalid UTF-8, overlong forms, encoded surrogates, a BOM. */
const subjectBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 6 }),
        fc
          .constantFrom(
            [0xef, 0xbb, 0xbf],
            [0xed, 0xa0, 0x80],
            [0xc0, 0xae],
            [0xc2, 0x85],
            [0xe2, 0x80, 0x8b],
            [0xff],
            [0x80],
            [0xf4, 0x90, 0x80, 0x80],
          )
          .map((b) => Uint8Array.from(b)),
        fc.stringMatching(/^[a-z.]{1,6}$/).map(bytes),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([prefixed, parts]) => {
    const all = [prefixed ? bytes("heartbeat.") : new Uint8Array(), ...parts];
    const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of all) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  });

type Outcome = { readonly heartbeat: Heartbeat } | { readonly error: InvalidHeartbeatError };

/** parseHeartbeat, failing the test on any error that is not an InvalidHeartbeatError. */
function parse(subject: string | Uint8Array, payload: string | Uint8Array): Outcome {
  try {
    return { heartbeat: parseHeartbeat(subject, payload) };
  } catch (error) {
    if (!(error instanceof InvalidHeartbeatError)) throw new Error(`undocumented error: ${String(error)}`, { cause: error });
    expect(error.code).toBe("ERR_X_HEARTBEAT_INVALID_HEARTBEAT");
    return { error };
  }
}

const wellFormed = (text: string): boolean => new TextDecoder().decode(encoder.encode(text)) === text;

describe("heartbeat decoders under fuzzing (fixed seed)", () => {
  it("parseHeartbeat and Monitor.receive: only InvalidHeartbeatError, the same verdict, names that round-trip", () => {
    let inputs = 0;
    let accepted = 0;
    let roundTripped = 0;
    let monitorAgreed = 0;
    let clock = 0;
    const monitor = createMonitor({ time: timeAt(() => clock), evictAfterMs: 0 });
    const check = (subject: string | Uint8Array, payload: string | Uint8Array): void => {
      inputs++;
      clock += 1;
      const outcome = parse(subject, payload);
      const received = monitor.receive(subject, payload);
      expect(received).toBe("heartbeat" in outcome);
      monitorAgreed++;
      if (!("heartbeat" in outcome)) return;
      accepted++;
      const { process } = outcome.heartbeat;
      expect(processNameProblem(process)).toBeUndefined();
      expect(wellFormed(process)).toBe(true);
      // The same heartbeat from the other form of the subject.
      const other = typeof subject === "string" ? bytes(subject) : new TextDecoder().decode(subject);
      expect(parse(other, payload)).toEqual(outcome);
      roundTripped++;
    };
    fc.assert(
      fc.property(subjectText, payloadText, fc.boolean(), (subject, payload, asBytes) => {
        check(asBytes ? bytes(subject) : subject, asBytes ? bytes(payload) : payload);
        // A string that is not well formed must be refused: as bytes it would name another process.
        if (!wellFormed(subject)) expect(parse(subject, "stop")).toHaveProperty("error");
      }),
      { seed: SEED, numRuns: RUNS },
    );
    fc.assert(
      fc.property(subjectBytes, fc.oneof(payloadText.map(bytes), fc.uint8Array({ maxLength: 70 })), (subject, payload) => {
        check(subject, payload);
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (subject, payload) => {
        check(subject as string, payload as string);
      }),
      { seed: SEED + 2, numRuns: Math.ceil(RUNS / 4) },
    );
    printFaultReport({
      scenario: "heartbeat: fuzz parseHeartbeat and Monitor.receive",
      confirmed: accepted,
      handled: roundTripped,
      lost: accepted - roundTripped,
      duplicated: 0,
      inputs,
      accepted,
      rejected: inputs - accepted,
      monitorAgreed,
    });
    expect(accepted).toBeGreaterThan(inputs / 20);
    expect(roundTripped).toBe(accepted);
  });

  it("a name Heart accepts is read back as that name by the monitor; a name it refuses, the monitor refuses", () => {
    let inputs = 0;
    let accepted = 0;
    let readBack = 0;
    fc.assert(
      fc.property(nameText, fc.boolean(), (process, subjectAsString) => {
        inputs++;
        const sent: { subject: string | Uint8Array; payload: Uint8Array }[] = [];
        let heart: Heart;
        try {
          heart = subjectAsString
            ? createHeart({ process, subjectAsString: true, publisher: { publish: (m) => void sent.push(m) } })
            : createHeart({ process, publisher: { publish: (m) => void sent.push(m) } });
        } catch (error) {
          if (!(error instanceof InvalidProcessNameError)) throw error;
          expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_INVALID_PROCESS_NAME", processName: process });
          expect(parse(`heartbeat.${process}`, "stop")).toHaveProperty("error");
          return;
        }
        accepted++;
        void heart.beat({ periodMs: 5_000 });
        const [message] = sent;
        if (message === undefined) throw new Error("nothing published");
        expect(parse(message.subject, message.payload)).toEqual({ heartbeat: { process, kind: "beat", seconds: 5 } });
        readBack++;
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "heartbeat: fuzz Heart names through the monitor's parser",
      confirmed: accepted,
      handled: readBack,
      lost: accepted - readBack,
      duplicated: 0,
      inputs,
      accepted,
      rejected: inputs - accepted,
    });
    expect(readBack).toBe(accepted);
    expect(accepted).toBeGreaterThan(0);
    expect(inputs - accepted).toBeGreaterThan(0);
  });

  it("HeartbeatService: any gateway answer is adopted as a string status or rejected with GatewayError", async () => {
    let inputs = 0;
    let adopted = 0;
    let rejected = 0;
    const answer = fc.oneof(
      fc.string({ unit: "binary", maxLength: 8 }).map((status) => ({ status })),
      fc.record({ status: fc.anything() }, { requiredKeys: [] }),
      fc.anything({ withNullPrototype: true, withObjectString: true }),
      fc.constantFrom(JSON.parse('{"__proto__":{"status":"polluted"}}') as unknown, Object.create({ status: "inherited" }) as unknown),
    );
    await fc.assert(
      fc.asyncProperty(answer, fc.boolean(), async (reply, throws) => {
        inputs++;
        const service = createHeartbeatService({
          intervalMs: 10_000,
          reportByBuffer: 2,
          initialStatus: "R",
          gateway: {
            logHeartbeat: () => {
              if (throws) throw reply;
              return Promise.resolve(reply as { status: string });
            },
          },
        });
        try {
          const result = await service.tick();
          adopted++;
          expect(typeof service.currentStatus).toBe("string");
          if ("workflowRunStatus" in result) expect(result.workflowRunStatus).toBe(service.currentStatus);
        } catch (error) {
          if (!(error instanceof GatewayError)) throw new Error(`undocumented error: ${String(error)}`, { cause: error });
          rejected++;
        }
        expect(Object.prototype).not.toHaveProperty("status");
      }),
      { seed: SEED + 4, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "heartbeat: fuzz HeartbeatService gateway answers",
      confirmed: adopted,
      handled: adopted,
      lost: 0,
      duplicated: 0,
      inputs,
      accepted: adopted,
      rejected,
    });
    expect(adopted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});
