/**
 * emit -> handler latency at a steady 1,000 events/s (10 events every 10 ms), with the default
 * listen settings, against the raw @nats-io/jetstream client publishing the same messages and
 * consuming them with consume() + ack. Both in one process against one nats-server started here.
 */

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { compare, machine, percentile } from "@x/bench";
import { startNatsServer } from "@x/test-servers";
import { Actor, Actors, Event, Events } from "../src/index.js";

const RATE = 1_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = RATE; // the first second is not measured
const TOTAL = RATE * SECONDS + WARMUP;
const TICK_MS = 10;

await using server = await startNatsServer();

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

async function ours(): Promise<number[]> {
  const event = Event<{ i: number; sentAt: number }>("latency-ours");
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
  return latencies;
}

async function raw(): Promise<number[]> {
  const subject = "latency-raw";
  const pubNc = await connect({ servers: server.url });
  const subNc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(pubNc);
  await jsm.streams.add({ name: subject, subjects: [subject], retention: RetentionPolicy.Interest });
  await jsm.consumers.add(subject, { durable_name: "measure", ack_policy: AckPolicy.Explicit });
  const messages = await (await jetstream(subNc).consumers.get(subject, "measure")).consume();
  const latencies: number[] = [];
  const consuming = (async () => {
    let handled = 0;
    for await (const m of messages) {
      const { i, sentAt } = m.json<{ i: number; sentAt: number }>();
      if (i >= WARMUP) latencies.push(performance.now() - sentAt);
      m.ack();
      if (++handled === TOTAL) break;
    }
  })();
  const encoder = new TextEncoder();
  await steady((i, sentAt) => {
    pubNc.publish(subject, encoder.encode(JSON.stringify({ i, sentAt })));
  });
  await consuming;
  await pubNc.close();
  await subNc.close();
  return latencies;
}

const baseline = await raw();
const measured = await ours();
for (const p of [50, 99]) {
  compare({
    name: `emit -> handler latency p${p}, ${RATE} events/s for ${SECONDS} s`,
    unit: "ms",
    ours: percentile(measured, p),
    baseline: percentile(baseline, p),
    baselineName: "raw @nats-io/jetstream publish + consume",
  });
}
console.log(machine());
