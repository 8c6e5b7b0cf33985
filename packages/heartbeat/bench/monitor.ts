/**
 * Monitor ingest: 100,000 distinct processes beating, against a baseline that only parses the
 * payload and stores it in a Map. Heartbeats/s and heap bytes per tracked process, same run.
 * Run with `pnpm bench` (it passes --expose-gc, so heap figures are measured after a full GC).
 */
import { compare, machine, measureRate } from "@x/bench";
import { createMonitor } from "@x/heartbeat";

const PROCESSES = 100_000;
const TARGET_RATE = 500_000;
const TARGET_BYTES = 300;

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error("run with node --expose-gc (pnpm bench does)");

// What a NATS subscription hands over: the subject as a string, the payload as bytes.
const subjects = Array.from({ length: PROCESSES }, (_, i) => `heartbeat.billing.worker-${String(i).padStart(6, "0")}`);
// A 60 s period: no deadline comes up during the run. The 1 s variant below makes every
// process's heap entry come up and move on (about twice per process) while beats keep coming.
const payload = new TextEncoder().encode("beat/60");
const shortPayload = new TextEncoder().encode("beat/1");
const decoder = new TextDecoder();

/** The baseline: decode the payload, split it, store kind and period by process name. */
function createBaseline(): { receive: (subject: string, bytes: Uint8Array) => void; size: () => number } {
  const latest = new Map<string, { kind: string; period: number }>();
  return {
    receive: (subject, bytes) => {
      const text = decoder.decode(bytes);
      const slash = text.indexOf("/");
      latest.set(subject.slice("heartbeat.".length), { kind: text.slice(0, slash), period: Number(text.slice(slash + 1)) });
    },
    size: () => latest.size,
  };
}

function heapUsed(): number {
  collect?.();
  collect?.();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per process after every process sent one heartbeat. */
function bytesPerProcess(receive: (subject: string, bytes: Uint8Array) => unknown, size: () => number): number {
  const before = heapUsed();
  for (const subject of subjects) receive(subject, payload);
  const after = heapUsed();
  if (size() !== PROCESSES) throw new Error(`expected ${PROCESSES} tracked, got ${size()}`);
  return (after - before) / PROCESSES;
}

/** Heartbeats per second, cycling over all processes (all already known). */
async function rate(receive: (subject: string, bytes: Uint8Array) => unknown, bytes = payload): Promise<number> {
  let i = 0;
  const result = await measureRate(
    () => {
      receive(subjects[i] ?? "", bytes);
      i = i + 1 === PROCESSES ? 0 : i + 1;
    },
    { durationMs: 3000, warmupMs: 500, batch: 1000 },
  );
  return result.rate;
}

console.log(`machine: ${machine()}`);

const baseline = createBaseline();
const baselineBytes = bytesPerProcess(baseline.receive, baseline.size);
const baselineRate = await rate(baseline.receive);

const monitor = createMonitor();
const monitorBytes = bytesPerProcess(
  (subject, bytes) => monitor.receive(subject, bytes),
  () => monitor.stats().tracked,
);
const monitorRate = await rate((subject, bytes) => monitor.receive(subject, bytes));
const monitorShortRate = await rate((subject, bytes) => monitor.receive(subject, bytes), shortPayload);
const baselineShortRate = await rate(baseline.receive, shortPayload);
const { invalid, received } = monitor.stats();
await monitor.close();
if (invalid !== 0) throw new Error(`${invalid} of ${received} heartbeats were rejected`);

compare({
  name: `ingest, ${PROCESSES.toLocaleString("en-US")} processes`,
  unit: "heartbeats/s",
  ours: monitorRate,
  baseline: baselineRate,
  baselineName: "parse+Map",
});
compare({
  name: "ingest, 1 s period (deadlines cycling)",
  unit: "heartbeats/s",
  ours: monitorShortRate,
  baseline: baselineShortRate,
  baselineName: "parse+Map",
});
compare({ name: "heap per tracked process", unit: "bytes", ours: monitorBytes, baseline: baselineBytes, baselineName: "parse+Map" });
const verdict = (met: boolean): string => (met ? "met" : "MISSED");
console.log(
  `target >= ${TARGET_RATE.toLocaleString("en-US")} heartbeats/s: ${verdict(Math.min(monitorRate, monitorShortRate) >= TARGET_RATE)}`,
);
console.log(`target <= ${TARGET_BYTES} bytes per process: ${verdict(monitorBytes <= TARGET_BYTES)}`);
