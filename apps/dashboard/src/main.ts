// The dashboard over this machine's jobs, heartbeats, events and probes:
//   npm start                      demo load on a temporary file queue and a nats-server it starts
//   node dist/main.js --no-demo    only the dashboard, over QUEUE_DIR and NATS_URL
//   node dist/main.js --run-for 8000   demo load for 8 s, then a summary from the API, and exit
// Environment: PORT (8080), HOST (127.0.0.1), NATS_URL, QUEUE_DIR, DASHBOARD_TOKEN (a random one
// is made and printed when unset).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDashboard, serveDashboard, tokenAuth } from "@x/dashboard";
import { createMonitor } from "@x/heartbeat";
import { createFileQueue } from "@x/queue-file";
import { type DemoLoad, startDemoLoad } from "./load.js";
import { openNats } from "./nats.js";

const demo = !process.argv.includes("--no-demo");
const runForIndex = process.argv.indexOf("--run-for");
const runForMs = runForIndex === -1 ? undefined : Number(process.argv[runForIndex + 1]);
if (runForMs !== undefined && !(Number.isInteger(runForMs) && runForMs > 0)) {
  console.error("--run-for takes a number of milliseconds, e.g. --run-for 8000");
  process.exit(2);
}
const env = process.env;
const temporaryDir = env.QUEUE_DIR === undefined ? mkdtempSync(join(tmpdir(), "x-dashboard-queue-")) : undefined;
const queueDir = env.QUEUE_DIR ?? temporaryDir ?? "";
const token = env.DASHBOARD_TOKEN ?? randomBytes(16).toString("hex");

const nats = await openNats(env.NATS_URL);
const queue = createFileQueue({ dir: queueDir });
const monitor = createMonitor();
const heartbeats = nats.nc.subscribe("heartbeat.>", {
  callback: (error, msg) => {
    if (error === null) monitor.receive(msg.subject, msg.data);
  },
});

const dashboard = createDashboard({
  title: "x: jobs, heartbeats, events, probes",
  queues: { jobs: queue },
  monitor,
  nats: nats.nc,
  probes: { subject: "probe.>" },
  actions: tokenAuth(token),
});
const served = await serveDashboard(dashboard, { port: Number(env.PORT ?? 8080), host: env.HOST ?? "127.0.0.1" });
const load: DemoLoad | undefined = demo ? await startDemoLoad(queue, nats.nc) : undefined;

console.log(`dashboard: ${served.url}`);
console.log(`actions token: ${token}`);
console.log(`queue: ${queueDir}${temporaryDir === undefined ? "" : " (temporary)"}; NATS: ${nats.url}${demo ? "; demo load running" : ""}`);
console.log("Ctrl-C stops it");

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await load?.stop();
  await served.close();
  heartbeats.unsubscribe();
  await monitor.close();
  await queue.close();
  await nats.close();
  if (temporaryDir !== undefined) rmSync(temporaryDir, { recursive: true, force: true });
  console.log("stopped");
}
/** One line per source, read through the dashboard's own API as the page reads it. */
async function summary(): Promise<string> {
  const read = async <T>(path: string): Promise<T> => (await (await dashboard.fetch(new Request(new URL(path, served.url)))).json()) as T;
  const { queues } = await read<{ queues: { name: string; stats: Record<string, number> }[] }>("api/queues");
  const { total, counts } = await read<{ total: number; counts: Record<string, number> }>("api/heartbeats");
  const { streams } = await read<{ streams: { name: string }[] }>("api/events/streams");
  const letters = await read<{ total: number }>("api/events/dead-letters");
  const probes = await read<{ total: number }>("api/probes");
  const states = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
  return [
    ...queues.map(
      (q) => `queue ${q.name}: ${q.stats.ready} ready, ${q.stats.delayed} delayed, ${q.stats.reserved} reserved, ${q.stats.buried} buried`,
    ),
    `processes: ${total} (${states})`,
    `streams: ${streams.map((st) => st.name).join(", ")}; dead letters: ${letters.total}`,
    `checks: ${probes.total}`,
  ].join("\n");
}

if (runForMs !== undefined) {
  setTimeout(() => {
    void (async () => {
      console.log(`summary after ${runForMs / 1000} s:\n${await summary()}`);
      await shutdown();
      process.exit(0);
    })();
  }, runForMs);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void shutdown().then(() => process.exit(0));
  });
}
