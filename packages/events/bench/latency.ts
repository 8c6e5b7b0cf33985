/**
 * emit -> handler latency at a steady 1,000 events/s (10 events every 10 ms), with the default
 * listen settings (`batch` 1, `maxJobs` 16), against the raw @nats-io/jetstream client, in
 * rounds that alternate in one process against one nats-server started here. Each round reports
 * p50 and p99; the figures printed are the medians over the rounds.
 *
 * What each side does per event (see bench/throughput.ts for the same split):
 * - ours: `emit` without `sync` (JSON, no headers, the store confirmed in the background), the
 *   actor decodes, runs the handler and sends a confirmed ack.
 * - raw, same semantics (the baseline the target applies to): `js.publish()` not awaited (the
 *   store is confirmed in the background), `consume({ max_messages: 16 })` (16 = our `maxJobs`),
 *   `m.json()`, and `m.ackAck()` with at most 16 confirmations in flight. `noAsyncTraces` is set.
 * - raw, plain: core `publish()`, `consume({ max_messages: 16 })`, `m.json()`, `m.ack()`.
 *   Information: the cheapest path the client has.
 * The latency is taken when the handler (or the raw loop) sees the event, before its ack.
 */

import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { compare, machine, percentile } from "@x/bench";
import { startNatsServer } from "@x/test-servers";
import { DEFAULT_LISTEN_MAX_JOBS } from "../src/actors.js";
import { Actor, Actors, Event, Events } from "../src/index.js";

const RATE = 1_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = RATE; // the first second is not measured
const TOTAL = RATE * SECONDS + WARMUP;
const TICK_MS = 10;
/** The raw consumers' window: our default `maxJobs`. */
const WINDOW = DEFAULT_LISTEN_MAX_JOBS;

await using server = await startNatsServer();

interface Sample {
  readonly i: number;
  readonly sentAt: number;
}

/** Emits TOTAL events at RATE per second: `send(i, sentAt)` for each. */
async function steady(send: (i: number, sentAt: number) => unknown): Promise<void> {
  const perTick = (RATE * TICK_MS) / 1000;
  const start = performance.now();
  for (let i = 0; i < TOTAL; ) {
    for (let k = 0; k < perTick && i < TOTAL; k++, i++) await send(i, performance.now());
    const next = start + (i / perTick) * TICK_MS;
    await sleep(Math.max(0, next - performance.now()));
  }
}

async function ours(round: number): Promise<number[]> {
  const event = Event<Sample>(`latency-ours-${round}`);
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let handled = 0;
  const actor = Actor("measure", event, ({ i, sentAt }) => {
    if (i >= WARMUP) latencies.push(performance.now() - sentAt);
    if (++handled === TOTAL) done();
  });
  await using pub = await Events(event).connect({ servers: server.url });
  await using sub = await Actors(actor).connect({ servers: server.url });
  await pub.register();
  await sub.register();
  const stop = new AbortController();
  const listening = sub.listen({ signal: stop.signal });
  await steady((i, sentAt) => pub.emit(event, { i, sentAt }));
  await finished;
  stop.abort();
  await listening;
  await pub.flush();
  return latencies;
}

async function raw(round: number, confirmed: boolean): Promise<number[]> {
  const subject = `latency-raw-${confirmed ? "same" : "plain"}-${round}`;
  const options = { servers: server.url, noAsyncTraces: true };
  const pubNc = await connect(options);
  const subNc = await connect(options);
  const jsm = await jetstreamManager(pubNc);
  await jsm.streams.add({ name: subject, subjects: [subject], retention: RetentionPolicy.Interest });
  await jsm.consumers.add(subject, { durable_name: "measure", ack_policy: AckPolicy.Explicit });
  const messages = await (await jetstream(subNc).consumers.get(subject, "measure")).consume({ max_messages: WINDOW });
  const latencies: number[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const settled = (): void => {
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const consuming = (async () => {
    let handled = 0;
    for await (const m of messages) {
      const { i, sentAt } = m.json<Sample>();
      if (i >= WARMUP) latencies.push(performance.now() - sentAt);
      if (confirmed) {
        if (inFlight >= WINDOW) await new Promise<void>((resolve) => (wake = resolve));
        inFlight++;
        m.ackAck().then(settled, settled);
      } else {
        m.ack();
      }
      if (++handled === TOTAL) break;
    }
    while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  })();
  const js = jetstream(pubNc);
  const stores: Promise<unknown>[] = [];
  let storeFailures = 0;
  const onStoreFailed = (): void => {
    storeFailures++;
  };
  const encoder = new TextEncoder();
  await steady((i, sentAt) => {
    const data = encoder.encode(JSON.stringify({ i, sentAt }));
    if (confirmed) stores.push(js.publish(subject, data).catch(onStoreFailed));
    else pubNc.publish(subject, data);
  });
  await consuming;
  await Promise.all(stores);
  if (storeFailures > 0) throw new Error(`${storeFailures} publishes were not confirmed`);
  await pubNc.close();
  await subNc.close();
  return latencies;
}

const rounds = { ours: [] as number[][], same: [] as number[][], plain: [] as number[][] };
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
for (let round = 0; round < ROUNDS; round++) {
  const order = (["ours", "same", "plain"] as const).map((_, k, all) => all[(k + round) % all.length] ?? "ours");
  for (const which of order) rounds[which].push(which === "ours" ? await ours(round) : await raw(round, which === "same"));
  const p = (which: keyof typeof rounds, q: number): string => percentile(rounds[which][round] ?? [], q).toFixed(2);
  console.log(
    `round ${round + 1}: p50/p99 ours ${p("ours", 50)}/${p("ours", 99)} ms, raw same semantics ${p("same", 50)}/${p("same", 99)} ms, ` +
      `raw plain ${p("plain", 50)}/${p("plain", 99)} ms (load ${loadavg()[0]?.toFixed(1) ?? "?"})`,
  );
}
const baselines = {
  same: { name: "raw js.publish + consume/json/ackAck (same semantics)", targets: { 50: undefined, 99: "<= 1.3" } },
  plain: { name: "raw core publish + consume/json/ack, plain acks (information)", targets: { 50: undefined, 99: undefined } },
} as const;
for (const variant of ["same", "plain"] as const) {
  for (const q of [50, 99] as const) {
    const target = baselines[variant].targets[q];
    compare({
      name: `emit -> handler latency p${q}, ${RATE} events/s for ${SECONDS} s, median of ${ROUNDS} rounds`,
      unit: "ms",
      ours: median(rounds.ours.map((l) => percentile(l, q))),
      baseline: median(rounds[variant].map((l) => percentile(l, q))),
      baselineName: baselines[variant].name,
      ...(target === undefined ? {} : { target }),
    });
  }
}
console.log(machine());
