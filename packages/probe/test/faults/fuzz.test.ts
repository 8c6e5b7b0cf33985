/**
 * Fuzzing of every decoder of untrusted bytes in the probe (fixed seed, so a failure
 * reproduces): Nagios plugin output and perfdata, threshold ranges, the v3 message validator
 * (what handles and check modules hand over, usually `JSON.parse` of a line), the line splitter
 * of shell streams, destination addresses and command-line arguments. Checked on every input:
 * - only the documented typed error comes out (`InvalidProbeMessageError`, `InvalidAddressError`,
 *   `ProbeUsageError`), or none at all where the decoder reports instead of throwing;
 * - one bad perfdata item never costs the others or the message: every parsed item is either
 *   kept or reported, and the message always builds;
 * - a message the validator accepts has no own `__proto__` key anywhere, and nothing pollutes
 *   `Object.prototype`.
 * ~2,000 inputs per property in the test command, 50,000 under `pnpm soak`.
 */
import { printFaultReport, soakScale } from "@x/test-servers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { perfdataValues } from "../../src/checks/nagios.js";
import { parseCliArgs } from "../../src/cli/args.js";
import { ProbeUsageError } from "../../src/cli/index.js";
import { LineBuffer } from "../../src/handles/line-buffer.js";
import {
  assertMessage,
  createMessage,
  InvalidAddressError,
  InvalidProbeMessageError,
  nagiosState,
  parseDestination,
  parsePerfdata,
  parseRange,
  splitPluginOutput,
  validateMessage,
} from "../../src/index.js";

const SEED = 1310;
const RUNS = soakScale(2_000, 50_000);

/** Fails the property with the error unless it is an instance of `expected`. */
function onlyThrows(expected: abstract new (...args: never[]) => Error, run: () => void): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof expected) return false;
    throw new Error(`undocumented error: ${String(error)}`, { cause: error });
  }
}

const pollutionCheck = (): void => {
  for (const key of ["polluted", "value", "unit", "name", "x"]) expect(Object.prototype).not.toHaveProperty(key);
};

// ---- Nagios output and perfdata ----------------------------------------------------------

const numberText = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
  { weight: 3, arbitrary: fc.integer().map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "1e309",
      "-1e309",
      "1E400",
      "1e308",
      "4.9e-324",
      "1e-400",
      ".5",
      "5.",
      "-0",
      "+3",
      "0x10",
      "NaN",
      "Infinity",
      "1e",
      "--1",
      "U",
      "",
    ),
  },
);
const rangeText = fc.oneof(
  numberText,
  fc.tuple(fc.constantFrom("", "@"), fc.oneof(numberText, fc.constant("~")), numberText).map(([at, a, b]) => `${at}${a}:${b}`),
  fc.string({ maxLength: 6 }),
);
const labelText = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "value",
      "a",
      "'quoted label'",
      "'it''s'",
      "'unterminated",
      "''",
      "=",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);
const unitText = fc.constantFrom("", "", "s", "ms", "%", "B", "KB", "c", "°C", "x y");
const itemText = fc
  .tuple(labelText, numberText, unitText, fc.array(fc.oneof(rangeText, fc.constant("")), { maxLength: 5 }))
  .map(([label, value, unit, rest]) => `${label}=${value}${unit}${rest.length > 0 ? `;${rest.join(";")}` : ""}`);
const pluginOutput = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.array(itemText, { maxLength: 8 }),
    fc.array(
      fc.oneof(
        fc.string({ maxLength: 10 }),
        fc.array(itemText, { maxLength: 3 }).map((items) => `| ${items.join(" ")}`),
      ),
      { maxLength: 3 },
    ),
    fc.constantFrom(" ", "  ", "\t", "\r\n"),
  )
  .map(([text, items, lines, space]) => [`${text} | ${items.join(space)}`, ...lines].join("\n"));

// ---- v3 messages as JSON text -------------------------------------------------------------

const keyText = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z]{1,6}$/) },
  { weight: 2, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "", "\\u005f_proto__", "toString") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 5 }).map((s) => JSON.stringify(s).slice(1, -1)) },
);
const jsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      numberText.filter((n) => /^-?\d/.test(n)),
      fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
      fc.constantFrom("true", "null"),
    ),
    fc.array(tie("value"), { maxLength: 3 }).map((items) => `[${items.join(",")}]`),
    fc.array(fc.tuple(keyText, tie("value")), { maxLength: 3 }).map((entries) => `{${entries.map(([k, v]) => `"${k}":${v}`).join(",")}}`),
  ),
})).value;
/** Mostly `valid`, sometimes `hostile`. */
const mostly = (valid: fc.Arbitrary<string>, hostile: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: hostile });
const extras = fc.array(fc.tuple(keyText, jsonValue), { maxLength: 2 }).map((entries) => entries.map(([k, v]) => `,"${k}":${v}`).join(""));
const valueEntry = fc
  .record({
    value: mostly(fc.double({ min: -1e9, max: 1e9, noNaN: true }).map(String), jsonValue),
    threshold: fc.option(
      fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom('"warning"', '"error"', '"expected"'), extras),
      { nil: undefined },
    ),
    extra: extras,
  })
  .map(({ value, threshold, extra }) => {
    const high =
      threshold === undefined
        ? ""
        : `,"threshold_high":[{"name":"t","value":${String(threshold[0])},"severity":${threshold[1]}${threshold[2]}}]`;
    return `{"value":${value}${high}${extra}}`;
  });
const messageText = fc
  .record({
    v: mostly(fc.constant("3"), jsonValue),
    time: mostly(fc.nat().map(String), jsonValue),
    location: fc.array(
      fc.tuple(
        keyText,
        mostly(
          fc.string({ maxLength: 5 }).map((s) => JSON.stringify(s)),
          jsonValue,
        ),
      ),
      { maxLength: 3 },
    ),
    name: mostly(
      fc.string({ minLength: 1, maxLength: 6 }).map((s) => JSON.stringify(s)),
      jsonValue,
    ),
    state: fc.option(
      fc.tuple(fc.constantFrom('"ok"', '"critical"', "1"), fc.constantFrom("", ',"severity":"error"', ',"severity":"bad"'), extras),
      { nil: undefined },
    ),
    vset: fc.option(fc.array(fc.tuple(keyText, mostly(valueEntry, jsonValue)), { maxLength: 3 }), { nil: undefined }),
    eventExtra: extras,
    topExtra: extras,
  })
  .map((m) => {
    const location = `{${m.location.map(([k, v]) => `"${k}":${v}`).join(",")}}`;
    const state = m.state === undefined ? "" : `,"state":{"value":${m.state[0]}${m.state[1]}${m.state[2]}}`;
    const vset = m.vset === undefined ? "" : `,"vset":{${m.vset.map(([k, v]) => `"${k}":${v}`).join(",")}}`;
    return `{"v":${m.v},"time":${m.time},"location":${location},"event":{"name":${m.name}${state}${vset}${m.eventExtra}}${m.topExtra}}`;
  });

/** Whether `value` holds an own `__proto__` key anywhere (the inputs are shallow, so recursion is fine here). */
function hasOwnProtoKey(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Object.hasOwn(value, "__proto__")) return true;
  return Object.values(value).some(hasOwnProtoKey);
}

describe("probe decoders under fuzzing (fixed seed)", () => {
  it("Nagios output: every perfdata item is kept or reported on its own, and the message always builds", () => {
    let inputs = 0;
    let items = 0;
    let kept = 0;
    let skipped = 0;
    let unaccounted = 0;
    fc.assert(
      fc.property(pluginOutput, fc.constantFrom(0, 1, 2, 3, null, 42), (stdout, exitCode) => {
        inputs++;
        const output = splitPluginOutput(stdout);
        const parsed = parsePerfdata(output.perfdata);
        const { values, skipped: reports } = perfdataValues(output.perfdata);
        const keptHere = Object.keys(values).length;
        items += parsed.items.length;
        kept += keptHere;
        skipped += reports.length - parsed.errors.length;
        // Every item the parser read is either a value or has its own report.
        unaccounted += parsed.items.length - keptHere - (reports.length - parsed.errors.length);
        const { state, severity } = nagiosState(exitCode);
        const message = createMessage({ aspect: "fuzz", state, severity, comment: output.text, ...(keptHere > 0 ? { values } : {}) });
        expect(Object.keys(message.event.vset ?? {})).toEqual(Object.keys(values));
        expect(validateMessage(JSON.parse(JSON.stringify(message))).valid).toBe(true);
        pollutionCheck();
      }),
      { seed: SEED, numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        inputs++;
        const { values } = perfdataValues(splitPluginOutput(text).perfdata);
        createMessage({ aspect: "fuzz", values });
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "probe: fuzz Nagios output and perfdata",
      confirmed: items,
      handled: kept + skipped,
      lost: unaccounted,
      duplicated: 0,
      inputs,
      accepted: kept,
      rejected: skipped,
    });
    expect(unaccounted).toBe(0);
    expect(kept).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
  });

  it("parseRange: never throws; written bounds are finite, only unwritten ones infinite", () => {
    let inputs = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(rangeText, fc.string({ unit: "binary", maxLength: 30 })), (text) => {
        inputs++;
        const range = parseRange(text);
        if (range === undefined) return;
        accepted++;
        expect(range.start <= range.end).toBe(true);
        if (range.explicitStart) expect(Number.isFinite(range.start)).toBe(true);
        if (!text.endsWith(":")) expect(Number.isFinite(range.end)).toBe(true);
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "probe: fuzz parseRange",
      confirmed: accepted,
      handled: accepted,
      lost: 0,
      duplicated: 0,
      inputs,
      accepted,
      rejected: inputs - accepted,
    });
    expect(accepted).toBeGreaterThan(0);
  });

  it("message validator: only InvalidProbeMessageError; what it accepts has no own __proto__ key; no pollution", () => {
    let inputs = 0;
    let notJson = 0;
    let accepted = 0;
    let rejected = 0;
    let withProtoKey = 0;
    let acceptedText = 0;
    fc.assert(
      fc.property(messageText, (text) => {
        inputs++;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          notJson++; // the handle reports the line; the validator never sees it
          return;
        }
        if (hasOwnProtoKey(value)) withProtoKey++;
        const result = validateMessage(value);
        const asserted = onlyThrows(InvalidProbeMessageError, () => assertMessage(value));
        expect(asserted).toBe(result.valid);
        if (result.valid) {
          accepted++;
          acceptedText++;
          expect(hasOwnProtoKey(value)).toBe(false);
          // What a consumer would do with it: copy and merge.
          expect(Object.getPrototypeOf(Object.assign({}, value, result.message.event))).toBe(Object.prototype);
        } else rejected++;
        pollutionCheck();
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (value) => {
        inputs++;
        const result = validateMessage(value);
        if (result.valid) accepted++;
        else rejected++;
        onlyThrows(InvalidProbeMessageError, () => assertMessage(value));
      }),
      { seed: SEED + 4, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "probe: fuzz the v3 message validator",
      confirmed: accepted,
      handled: accepted,
      lost: 0,
      duplicated: 0,
      inputs,
      accepted,
      rejected,
      notJson,
      withProtoKey,
    });
    // Enough of the generated lines are valid messages for the acceptance side to be exercised.
    expect(acceptedText).toBeGreaterThan(RUNS / 20);
    expect(withProtoKey).toBeGreaterThan(0);
  });

  it("shell stream lines: any bytes in any chunks give the lines of the whole text, never a throw", () => {
    const maxLineLength = 16;
    let inputs = 0;
    let lines = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 12 }),
            fc.constantFrom("\n", "\r\n", "é", "😀", "a".repeat(20)).map((s) => Buffer.from(s)),
          ),
          { maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 7 }),
        (parts, chunkSize) => {
          inputs++;
          const all = Buffer.concat(parts);
          const buffer = new LineBuffer(maxLineLength);
          const got: string[] = [];
          for (let at = 0; at < all.length; at += chunkSize) {
            buffer.push(all.subarray(at, at + chunkSize));
            got.push(...buffer.take());
          }
          buffer.end();
          got.push(...buffer.take());
          const expected = all
            .toString("utf8")
            .split("\n")
            .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line))
            .filter((line) => line.length <= maxLineLength && line.trim() !== "");
          expect(got).toEqual(expected);
          lines += got.length;
        },
      ),
      { seed: SEED + 5, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "probe: fuzz the shell-stream line splitter",
      confirmed: lines,
      handled: lines,
      lost: 0,
      duplicated: 0,
      inputs,
      accepted: lines,
      rejected: 0,
    });
  });

  it("destinations and command lines: only InvalidAddressError and ProbeUsageError", () => {
    let inputs = 0;
    let accepted = 0;
    const address = fc.oneof(
      fc
        .tuple(fc.constantFrom("tcp:", "udp:", "unix:", "file:", "stdout", "http:", ""), fc.string({ unit: "binary", maxLength: 20 }))
        .map(([a, b]) => a + b),
      fc
        .tuple(fc.constantFrom("tcp:", "udp:"), fc.constantFrom("[::1]", "h", "", "[", "a:b"), fc.constantFrom(":", "::", ""), numberText)
        .map((p) => p.join("")),
    );
    fc.assert(
      fc.property(address, (text) => {
        inputs++;
        if (onlyThrows(InvalidAddressError, () => parseDestination(text))) accepted++;
      }),
      { seed: SEED + 6, numRuns: RUNS },
    );
    const argument = fc.oneof(
      fc.constantFrom(
        "--checks",
        "--once",
        "--destination",
        "--dest",
        "--log-level",
        "--flush-timeout",
        "--concurrency",
        "--timeout",
        "-h",
        "--help",
        "--",
        "-",
        "--nope",
        "--checks=x",
      ),
      fc.string({ unit: "binary", maxLength: 10 }),
      numberText,
      address,
    );
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 8 }), (argv) => {
        inputs++;
        if (onlyThrows(ProbeUsageError, () => parseCliArgs(argv))) accepted++;
      }),
      { seed: SEED + 7, numRuns: RUNS },
    );
    printFaultReport({
      scenario: "probe: fuzz destinations and command-line arguments",
      confirmed: accepted,
      handled: accepted,
      lost: 0,
      duplicated: 0,
      inputs,
      accepted,
      rejected: inputs - accepted,
    });
    expect(accepted).toBeGreaterThan(0);
  });
});
