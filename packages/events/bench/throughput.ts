/**
 * emit -> handled throughput of one actor with a no-op handler, against the raw
 * @nats-io/jetstream client publishing the same messages (core publish, as `emit` without
 * `sync`) and consuming + acking them. Ours confirms every ack (double ack); the raw baseline
 * sends plain acks. Rounds alternate in one process against one nats-server started here.
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { compare, machine } from "@x/bench";
import { startNatsServer } from "@x/test-servers";
import { performance } from "node:perf_hooks";
import { Actor, Actors, Event, Events } from "../src/index.js";

const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MAX_JOBS = 256;

await using server = await startNatsServer();
const payload = (n: number): { n: number; note: string } => ({ n, note: "parcel 1234 sent to 221B Baker Street" });

async function ours(round: number): Promise<number> {
  const event = Event<{ n: number; note: string }>(`bench-ours-${round}`);
  let handled = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const actor = Actor("noop", event, () => {
    if (++handled === N) done();
  }, { maxJobs: MAX_JOBS });
  await using pub = await Events(event).connect({ servers: server.url });
  await using sub = await Actors(actor).connect({ servers: server.url });
  await pub.register();
  await sub.register();
  const stop = new AbortController();
  const listening = sub.listen({ signal: stop.signal, maxJobs: MAX_JOBS, batch: MAX_JOBS });
  const start = performance.now();
  for (let i = 0; i < N; i++) await pub.emit(event, payload(i));
  await finished;
  const ms = performance.now() - start;
  stop.abort();
  await listening;
  return (N * 1000) / ms;
}

async function raw(round: number): Promise<number> {
  const subject = `bench-raw-${round}`;
  const pubNc = await connect({ servers: server.url });
  const subNc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(pubNc);
  await jsm.streams.add({ name: subject, subjects: [subject], retention: RetentionPolicy.Interest });
  await jsm.consumers.add(subject, { durable_name: "noop", ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(subNc).consumers.get(subject, "noop");
  const messages = await consumer.consume({ max_messages: MAX_JOBS });
  const encoder = new TextEncoder();
  const start = performance.now();
  const consuming = (async () => {
    let handled = 0;
    for await (const m of messages) {
      m.ack();
      if (++handled === N) break;
    }
  })();
  for (let i = 0; i < N; i++) pubNc.publish(subject, encoder.encode(JSON.stringify(payload(i))));
  await consuming;
  const ms = performance.now() - start;
  await pubNc.close();
  await subNc.close();
  return (N * 1000) / ms;
}

const results = { ours: [] as number[], raw: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  results.raw.push(await raw(round));
  results.ours.push(await ours(round));
  console.log(`round ${round + 1}: ours ${Math.round(results.ours[round] ?? 0)} msg/s, raw ${Math.round(results.raw[round] ?? 0)} msg/s`);
}
compare({
  name: `emit -> handled, 1 actor, no-op handler, ${N} events (best of ${ROUNDS})`,
  unit: "msg/s",
  ours: Math.max(...results.ours),
  baseline: Math.max(...results.raw),
  baselineName: "raw @nats-io/jetstream publish + consume/ack",
  target: ">= 0.8",
});
console.log(machine());
