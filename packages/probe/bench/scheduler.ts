/**
 * Scheduler benchmark: N function checks every second through the whole probe path (Checks ->
 * runProbe -> an output), against a baseline of the same N callbacks driven by one plain
 * setInterval loop, in the same run. Measures scheduling lag (how late each callback starts
 * after it was due) p50/p99, and CPU time (process.cpuUsage) over the measured window.
 *
 *   pnpm bench [-- --duration 30 --segments 6 --warmup 2 --checks 10000 --callback message|noop|same]
 *
 * The measured time of each side is split into `--segments` segments that alternate between the
 * two sides (each after its own warm-up), so that a change in machine load hits both alike.
 * `--callback message` (default): each callback builds one metric message, as a real function
 * check does; `noop` returns no message, which isolates the scheduler's own overhead; `same`
 * returns the same prebuilt message every time (the delivery path without building).
 */
import { PerformanceObserver } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { compare, machine, percentile } from "@x/bench";
import { type CheckOutput, createChecks, createMessage, functionCheck, type Output, type ProbeMessage, runProbe } from "@x/probe";

const { values } = parseArgs({
  // `pnpm bench -- --duration 5` passes the "--" through.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    duration: { type: "string", default: "30" },
    checks: { type: "string", default: "10000" },
    callback: { type: "string", default: "message" },
    warmup: { type: "string", default: "2" },
    segments: { type: "string", default: "6" },
    // For profiling one side alone (node --cpu-prof).
    side: { type: "string", default: "both" },
  },
});
const segments = Number(values.segments);
const durationMs = Number(values.duration) * 1000;
const segmentMs = durationMs / segments;
const warmupMs = Number(values.warmup) * 1000;
const n = Number(values.checks);
const callbackKind = values.callback;
if (
  !(durationMs > 0) ||
  !Number.isInteger(segments) ||
  segments < 1 ||
  !(warmupMs >= 0) ||
  !(n > 0) ||
  !["message", "noop", "same"].includes(callbackKind)
) {
  console.error("usage: scheduler.ts [--duration SECONDS] [--segments N] [--warmup SECONDS] [--checks N] [--callback message|noop|same]");
  process.exit(2);
}
const INTERVAL_MS = 1_000;
/** The scheduler's default clock is `performance.timeOrigin + performance.now()`. */
const ORIGIN = performance.timeOrigin;

type Callback = () => CheckOutput;

/** The work a check does, identical on both sides. */
function makeCallback(i: number): Callback {
  if (callbackKind === "noop") return () => [];
  if (callbackKind === "same") {
    const message = createMessage({ aspect: `check_${i}`, value: 1 });
    return () => message;
  }
  const location = { host: "bench" };
  let reading = 0;
  return () => createMessage({ aspect: `check_${i}`, location, value: reading++ });
}

/** An output that only counts, so both sides pay the same (nothing) for delivery. */
function countingOutput(): Output & { count: number } {
  const output = {
    name: "count",
    count: 0,
    send(_message: ProbeMessage) {
      output.count++;
    },
    flush: async () => undefined,
    close: async () => undefined,
    stats: () => ({ sent: output.count, dropped: 0, pending: 0 }),
    [Symbol.asyncDispose]: async () => undefined,
  };
  return output;
}

interface SideResult {
  readonly lags: Float64Array;
  readonly cpuMs: number;
  readonly gcMs: number;
  readonly wallMs: number;
  readonly messages: number;
}

/** Runs `start` (which begins calling `record(lagMs)`), measures after the warm-up, then stops it. */
async function measure(start: (record: (lagMs: number) => void) => () => Promise<void>, count: () => number): Promise<SideResult> {
  const lags = new Float64Array(n * (Math.ceil(segmentMs / INTERVAL_MS) + 5));
  let size = 0;
  let measuring = false;
  const stop = start((lag) => {
    if (measuring && size < lags.length) lags[size++] = lag;
  });
  await sleep(warmupMs);
  const messagesBefore = count();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ["gc"] });
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await sleep(segmentMs);
  measuring = false;
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  const messages = count() - messagesBefore;
  gc.disconnect();
  await stop();
  return { lags: lags.subarray(0, size), cpuMs: (cpu.user + cpu.system) / 1000, gcMs, wallMs, messages };
}

async function runBaseline(): Promise<SideResult> {
  const output = countingOutput();
  const callbacks = Array.from({ length: n }, (_, i) => makeCallback(i));
  return measure(
    (record) => {
      // setInterval re-arms from the start of each tick: the next tick is due 1 s after this one began.
      let due = performance.now() + INTERVAL_MS;
      const timer = setInterval(() => {
        const tickDue = due;
        due = performance.now() + INTERVAL_MS;
        for (const callback of callbacks) {
          record(performance.now() - tickDue);
          const result = callback();
          if (Array.isArray(result)) for (const message of result as ProbeMessage[]) output.send(message);
          else output.send(result as ProbeMessage);
        }
      }, INTERVAL_MS);
      return async () => {
        clearInterval(timer);
      };
    },
    () => output.count,
  );
}

async function runOurs(): Promise<SideResult> {
  const output = countingOutput();
  return measure(
    (record) => {
      const checks = createChecks(
        Array.from({ length: n }, (_, i) => {
          const callback = makeCallback(i);
          return functionCheck(
            (context) => {
              // Read the clock here, as the baseline does: the same cost on both sides, and exact.
              record(ORIGIN + performance.now() - context.scheduledAt);
              return callback();
            },
            { intervalMs: INTERVAL_MS },
          );
        }),
      );
      const stop = new AbortController();
      const running = runProbe({ checks, output, signal: stop.signal });
      return async () => {
        stop.abort();
        await running;
        await checks.close();
      };
    },
    () => output.count,
  );
}

function summary(name: string, r: SideResult): { p50: number; p99: number } {
  const sample = Array.from(r.lags);
  const p50 = percentile(sample, 50);
  const p99 = percentile(sample, 99);
  console.log(
    `${name}: ${sample.length.toLocaleString("en-US")} runs, ${r.messages.toLocaleString("en-US")} messages in ${(r.wallMs / 1000).toFixed(1)} s; ` +
      `lag p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${percentile(sample, 100).toFixed(2)} ms; CPU ${Math.round(r.cpuMs).toLocaleString("en-US")} ms (GC ${Math.round(r.gcMs)} ms)`,
  );
  return { p50, p99 };
}

console.log(
  `# @x/probe scheduler: ${n.toLocaleString("en-US")} function checks every ${INTERVAL_MS} ms, callback=${callbackKind}, ` +
    `${durationMs / 1000} s measured per side in ${segments} alternating segments, each after ${warmupMs / 1000} s warm-up`,
);
console.log(`# ${machine()}`);
if (values.side === "ours" || values.side === "baseline") {
  summary(values.side, await (values.side === "ours" ? runOurs() : runBaseline()));
  process.exit(0);
}
/** Adds up the segments of one side. */
function merge(parts: readonly SideResult[]): SideResult {
  const lags = new Float64Array(parts.reduce((sum, p) => sum + p.lags.length, 0));
  let offset = 0;
  for (const p of parts) {
    lags.set(p.lags, offset);
    offset += p.lags.length;
  }
  const sum = (pick: (p: SideResult) => number): number => parts.reduce((total, p) => total + pick(p), 0);
  return { lags, cpuMs: sum((p) => p.cpuMs), gcMs: sum((p) => p.gcMs), wallMs: sum((p) => p.wallMs), messages: sum((p) => p.messages) };
}

const baseParts: SideResult[] = [];
const oursParts: SideResult[] = [];
for (let i = 0; i < segments; i++) {
  // Alternate which side goes first, so neither always follows the other's garbage.
  if (i % 2 === 0) {
    baseParts.push(await runBaseline());
    oursParts.push(await runOurs());
  } else {
    oursParts.push(await runOurs());
    baseParts.push(await runBaseline());
  }
}
const p99 = (r: SideResult): string => percentile(Array.from(r.lags), 99).toFixed(1);
console.log(`per segment lag p99 (ms): baseline ${baseParts.map(p99).join(" ")}; ours ${oursParts.map(p99).join(" ")}`);
const cpuOf = (r: SideResult): string => Math.round(r.cpuMs).toString();
console.log(`per segment CPU (ms): baseline ${baseParts.map(cpuOf).join(" ")}; ours ${oursParts.map(cpuOf).join(" ")}`);
const base = merge(baseParts);
const ours = merge(oursParts);
const b = summary("baseline (setInterval loop)", base);
const o = summary("ours (Checks + runProbe)", ours);
compare({ name: "scheduling lag p50", unit: "ms", ours: o.p50, baseline: b.p50, baselineName: "setInterval loop" });
compare({ name: "scheduling lag p99", unit: "ms", ours: o.p99, baseline: b.p99, baselineName: "setInterval loop" });
const cpu = compare({
  name: "CPU time",
  unit: "ms",
  ours: ours.cpuMs,
  baseline: base.cpuMs,
  baselineName: "setInterval loop",
  target: "<= 1.5",
});
const lagMet = o.p99 <= 20;
console.log(`absolute target: ours p99 lag ${o.p99.toFixed(2)} ms <= 20 ms: ${lagMet ? "met" : "MISSED"}`);
process.exitCode = lagMet && cpu.met === true ? 0 : 1;
