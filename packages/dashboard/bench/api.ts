/**
 * The dashboard's API at scale: 10,000 processes in a Monitor and 100,000 jobs in a memory queue.
 * Each API page is timed through `dashboard.fetch()` (routing, the source, JSON encoding), next
 * to the baseline of calling the source directly for the same page, median of 7 rounds of 20
 * calls, the two sides taking turns. Run with `pnpm --filter @x/dashboard bench`.
 */
import { cpus, loadavg } from "node:os";
import { createMonitor } from "@x/heartbeat";
import { createMemoryQueue, enqueueMany } from "@x/message";
import { createDashboard } from "../src/index.js";

const PROCESSES = 10_000;
const JOBS = 100_000;
const BURIED = 10_000;
const ROUNDS = 7;
const CALLS = 20;
const TARGET_MS = 100;
const SEVERITY = { down: 0, late: 1, degraded: 2, starting: 3, up: 4, stopped: 5 } as const;

const monitor = createMonitor();
for (let i = 0; i < PROCESSES; i++)
  monitor.receive(`heartbeat.worker.${String(i).padStart(5, "0")}`, i % 10 === 0 ? "start/60" : "beat/30");
const queue = createMemoryQueue({ leaseMs: 3_600_000 });
const inits = Array.from({ length: JOBS }, (_, i) => ({
  requestType: i % 2 === 0 ? "mail" : "sms",
  payload: { n: i, to: `user${i}@example.com` },
}));
for (let i = 0; i < JOBS; i += 10_000) await enqueueMany(queue, inits.slice(i, i + 10_000));
for (let i = 0; i < BURIED; i++) await (await queue.reserve())?.bury("bench");

const dashboard = createDashboard({ queues: { jobs: queue }, monitor, probes: {} });

/** Median ms per call of each side, the two sides taking turns round by round so that load and GC hit both alike. */
async function medians(ours: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<[number, number]> {
  const rounds: [number[], number[]] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [side, work] of [ours, baseline].entries()) {
      const start = performance.now();
      for (let c = 0; c < CALLS; c++) await work();
      rounds[side as 0 | 1].push((performance.now() - start) / CALLS);
    }
  }
  const middle = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(ROUNDS / 2)] ?? Number.NaN;
  return [middle(rounds[0]), middle(rounds[1])];
}

async function get(path: string): Promise<unknown> {
  const response = await dashboard.fetch(new Request(`http://bench${path}`));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// A cursor deep into the ready jobs, as a page reached by walking would have.
let deepCursor: string | null = null;
for (let page = 0, cursor: string | undefined; page < 800; page++) {
  const result = await queue.list?.({ state: "ready", limit: 100, ...(cursor === undefined ? {} : { cursor }) });
  deepCursor = result?.cursor ?? null;
  if (deepCursor === null) break;
  cursor = deepCursor;
}

const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
  ["GET /api/heartbeats (first 100 of 10,000)", () => get("/api/heartbeats"), async () => monitor.snapshot().slice(0, 100)],
  [
    "GET /api/heartbeats?sort=worst (the page's order)",
    () => get("/api/heartbeats?sort=worst"),
    async () =>
      monitor
        .snapshot()
        .sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state] || a.since - b.since)
        .slice(0, 100),
  ],
  ["GET /api/heartbeats?cursor=9900 (last page)", () => get("/api/heartbeats?cursor=9900"), async () => monitor.snapshot().slice(9900)],
  [
    "GET /api/heartbeats?state=starting&search=worker.09",
    () => get("/api/heartbeats?state=starting&search=worker.09"),
    async () =>
      monitor
        .snapshot()
        .filter((p) => p.state === "starting" && p.process.includes("worker.09"))
        .slice(0, 100),
  ],
  [
    "GET /api/summary (live feed message)",
    () => get("/api/summary"),
    async () => {
      const counts = new Map<string, number>();
      for (const status of monitor.snapshot()) counts.set(status.state, (counts.get(status.state) ?? 0) + 1);
      return counts;
    },
  ],
  ["GET /api/queues", () => get("/api/queues"), () => queue.stats()],
  [
    "GET jobs?state=ready (first 100 of 90,000)",
    () => get("/api/queues/jobs/jobs?state=ready&limit=100"),
    () => queue.list?.({ state: "ready", limit: 100 }) ?? Promise.resolve(),
  ],
  [
    "GET jobs?state=ready (page 800)",
    () => get(`/api/queues/jobs/jobs?state=ready&limit=100&cursor=${deepCursor ?? ""}`),
    () => queue.list?.({ state: "ready", limit: 100, ...(deepCursor === null ? {} : { cursor: deepCursor }) }) ?? Promise.resolve(),
  ],
  [
    "GET jobs?state=buried (first 100 of 10,000)",
    () => get("/api/queues/jobs/jobs?state=buried&limit=100"),
    () => queue.list?.({ state: "buried", limit: 100 }) ?? Promise.resolve(),
  ],
  [
    "GET jobs?state=buried&requestType=sms",
    () => get("/api/queues/jobs/jobs?state=buried&limit=100&requestType=sms"),
    () => queue.list?.({ state: "buried", limit: 100, requestType: "sms" }) ?? Promise.resolve(),
  ],
];

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `@x/dashboard API bench: ${PROCESSES} processes, ${JOBS} jobs (${BURIED} buried); ${cpu} x${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(`median of ${ROUNDS} rounds of ${CALLS} calls; target: every page under ${TARGET_MS} ms`);
let worst = 0;
for (const [name, api, baseline] of cases) {
  await api();
  await baseline();
  const [apiMs, baseMs] = await medians(api, baseline);
  worst = Math.max(worst, apiMs);
  console.log(
    `${name.padEnd(54)} ${apiMs.toFixed(2).padStart(8)} ms   source alone ${baseMs.toFixed(2).padStart(8)} ms   x${(apiMs / baseMs).toFixed(1)}`,
  );
}
console.log(`slowest page ${worst.toFixed(2)} ms: ${worst < TARGET_MS ? "meets" : "MISSES"} the ${TARGET_MS} ms target`);
await dashboard.close();
await monitor.close();
await queue.close();
