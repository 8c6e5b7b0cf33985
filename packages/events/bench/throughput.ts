/**
 * emit -> handled throughput of one actor with a no-op handler, against the raw
 * @nats-io/jetstream client publishing the same messages (core publish, as `emit` without
 * `sync`) and consuming + acking them. Ours confirms every ack (double ack); the raw baseline
 * sends plain acks. Rounds alternate in one process against one nats-server started here.
 *
 * On a shared machine wall-clock rates swing with other people's load, so each round also
 * records the CPU time spent per event by this process and the nats-server together: a figure
 * that load barely moves, and the one that decides throughput on a dedicated machine.
 */

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { compare, machine } from "@x/bench";
import { startNatsServer } from "@x/test-servers";
import { Actor, Actors, Event, Events } from "../src/index.js";

const N = Number(process.env.BENCH_N ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MAX_JOBS = Number(process.env.BENCH_MAX_JOBS ?? 256);

await using server = await startNatsServer();

/** Clock ticks per second of /proc/<pid>/stat on Linux. */
const TICKS_PER_SECOND = 100;
/** CPU time used so far by this process and the nats-server, in microseconds. */
function cpuMicros(): number {
  const own = process.cpuUsage();
  const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const serverTicks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime
  return own.user + own.system + (serverTicks * 1_000_000) / TICKS_PER_SECOND;
}

interface Round {
  readonly rate: number;
  /** CPU microseconds per event, client and server together. */
  readonly cpu: number;
}

const measure = async (run: () => Promise<void>): Promise<Round> => {
  const cpu0 = cpuMicros();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  return { rate: (N * 1000) / ms, cpu: (cpuMicros() - cpu0) / N };
};
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const payload = (n: number): { n: number; note: string } => ({ n, note: "parcel 1234 sent to 221B Baker Street" });

async function ours(round: number): Promise<Round> {
  const event = Event<{ n: number; note: string }>(`bench-ours-${round}`);
  let handled = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const actor = Actor(
    "noop",
    event,
    () => {
      if (++handled === N) done();
    },
    { maxJobs: MAX_JOBS },
  );
  await using pub = await Events(event).connect({ servers: server.url });
  await using sub = await Actors(actor).connect({ servers: server.url });
  await pub.register();
  await sub.register();
  const stop = new AbortController();
  const listening = sub.listen({ signal: stop.signal, maxJobs: MAX_JOBS, batch: MAX_JOBS });
  const result = await measure(async () => {
    for (let i = 0; i < N; i++) await pub.emit(event, payload(i));
    await finished;
  });
  stop.abort();
  await listening;
  return result;
}

async function raw(round: number): Promise<Round> {
  const subject = `bench-raw-${round}`;
  const pubNc = await connect({ servers: server.url });
  const subNc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(pubNc);
  await jsm.streams.add({ name: subject, subjects: [subject], retention: RetentionPolicy.Interest });
  await jsm.consumers.add(subject, { durable_name: "noop", ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(subNc).consumers.get(subject, "noop");
  const messages = await consumer.consume({ max_messages: MAX_JOBS });
  const encoder = new TextEncoder();
  const result = await measure(async () => {
    const consuming = (async () => {
      let handled = 0;
      for await (const m of messages) {
        m.ack();
        if (++handled === N) break;
      }
    })();
    for (let i = 0; i < N; i++) pubNc.publish(subject, encoder.encode(JSON.stringify(payload(i))));
    await consuming;
  });
  await pubNc.close();
  await subNc.close();
  return result;
}

const results = { ours: [] as Round[], raw: [] as Round[] };
for (let round = 0; round < ROUNDS; round++) {
  const r = await raw(round);
  const o = await ours(round);
  results.raw.push(r);
  results.ours.push(o);
  console.log(
    `round ${round + 1}: ours ${Math.round(o.rate)} msg/s ${o.cpu.toFixed(1)} us CPU/msg, ` +
      `raw ${Math.round(r.rate)} msg/s ${r.cpu.toFixed(1)} us CPU/msg (load ${loadavg()[0]?.toFixed(1) ?? "?"})`,
  );
}
const baselineName = "raw @nats-io/jetstream publish + consume/ack";
const what = `emit -> handled, 1 actor, no-op handler, ${N} events`;
compare({
  name: `${what}, best of ${ROUNDS}`,
  unit: "msg/s",
  ours: Math.max(...results.ours.map((r) => r.rate)),
  baseline: Math.max(...results.raw.map((r) => r.rate)),
  baselineName,
  target: ">= 0.8",
});
compare({
  name: `${what}, median of ${ROUNDS}`,
  unit: "msg/s",
  ours: median(results.ours.map((r) => r.rate)),
  baseline: median(results.raw.map((r) => r.rate)),
  baselineName,
  target: ">= 0.8",
});
compare({
  name: `${what}, CPU per event (client + nats-server), median of ${ROUNDS}`,
  unit: "us",
  ours: median(results.ours.map((r) => r.cpu)),
  baseline: median(results.raw.map((r) => r.cpu)),
  baselineName,
  target: "<= 1.25", // 1 / 0.8: the same throughput target at equal CPU
});
console.log(machine());
