/**
 * emit -> handled throughput of one actor with a no-op handler, against the raw
 * @nats-io/jetstream client doing the same work, in rounds that alternate in one process against
 * one nats-server started here.
 *
 * What each side does per event:
 * - ours: `emit` without `sync` encodes the payload as JSON and publishes it with no headers (no
 *   uid, trace id or meta is given, and no OpenTelemetry SDK is registered) but with a reply
 *   subject: JetStream's store confirmation comes back in the background and is counted. The actor
 *   (`maxJobs` and `batch` = MAX_JOBS) decodes the JSON, runs the handler and sends a confirmed
 *   ack (a "double ack": the server answers it).
 * - raw, same semantics (the baseline the target applies to): `js.publish()` for every event
 *   without awaiting each (every store is confirmed; at most PUBLISH_WINDOW in flight, as a
 *   careful user would bound them: ours has no bound, but 50,000 at once make the client's
 *   per-request timers fire under load), `consume()`
 *   with `max_messages` = MAX_JOBS, `m.json()`, and `m.ackAck()` with at most MAX_JOBS
 *   confirmations in flight (a careful user's loop: it waits only when the window is full). The
 *   connections set `noAsyncTraces`, so the client's requests skip their stack-trace `Error`.
 * - raw, confirmed acks only: core `publish()` (no store confirmation), then as above.
 *   Information: how much of the gap is the publish confirmation.
 * - raw, plain: core `publish()`, `consume()`, `m.ack()` (not confirmed) and no decode: the
 *   cheapest thing the client can do, and the baseline of the figures before issue 22.
 *   Information, not a like-for-like comparison.
 *
 * On a shared machine wall-clock rates swing with other people's load, so each round also
 * records the CPU time spent per event by this process and the nats-server together: a figure
 * that load barely moves, and the one that decides throughput on a dedicated machine.
 */

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { AckPolicy, type JsMsg, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { compare, machine } from "@x/bench";
import { startNatsServer } from "@x/test-servers";
import { Actor, Actors, Event, Events } from "../src/index.js";

const N = Number(process.env.BENCH_N ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MAX_JOBS = Number(process.env.BENCH_MAX_JOBS ?? 256);
/** Raw `js.publish()` calls in flight at most: with all of them at once the client times out under load. */
const PUBLISH_WINDOW = Number(process.env.BENCH_PUBLISH_WINDOW ?? 1_024);

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
interface Payload {
  readonly n: number;
  readonly note: string;
}
const payload = (n: number): Payload => ({ n, note: "parcel 1234 sent to 221B Baker Street" });

async function ours(round: number): Promise<Round> {
  const event = Event<Payload>(`bench-ours-${round}`);
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
  await pub.flush(); // every emit confirmed, or the round does not count
  return result;
}

/** How the raw client publishes and acknowledges in one variant. */
interface RawMode {
  /** `js.publish()` (store confirmed) instead of core `publish()`. */
  readonly confirmPublish: boolean;
  /** `m.json()` and `m.ackAck()` (at most MAX_JOBS in flight) instead of a plain `m.ack()`. */
  readonly confirmAck: boolean;
}

/** Consumes N messages: plain acks, or confirmed ones with at most MAX_JOBS in flight. */
async function consumeN(messages: AsyncIterable<JsMsg>, confirmAck: boolean): Promise<() => Promise<void>> {
  let handled = 0;
  let inFlight = 0;
  let failed = 0;
  let wake: (() => void) | undefined;
  const onSettled = (ok: boolean): void => {
    if (!ok) failed++;
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onFailed = (): void => {
    onSettled(false);
  };
  for await (const m of messages) {
    if (confirmAck) {
      m.json<Payload>();
      if (inFlight >= MAX_JOBS) await new Promise<void>((resolve) => (wake = resolve));
      inFlight++;
      m.ackAck().then(onSettled, onFailed);
    } else {
      m.ack();
    }
    if (++handled === N) break;
  }
  // The last confirmations, awaited outside the measured time (ours does the same).
  return async () => {
    while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
    if (failed > 0) throw new Error(`${failed} acks were not confirmed`);
  };
}

async function raw(round: number, name: string, mode: RawMode): Promise<Round> {
  const subject = `bench-${name}-${round}`;
  const options = { servers: server.url, noAsyncTraces: true };
  const pubNc: NatsConnection = await connect(options);
  const subNc: NatsConnection = await connect(options);
  const jsm = await jetstreamManager(pubNc);
  await jsm.streams.add({ name: subject, subjects: [subject], retention: RetentionPolicy.Interest });
  await jsm.consumers.add(subject, { durable_name: "noop", ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(subNc).consumers.get(subject, "noop");
  const messages = await consumer.consume({ max_messages: MAX_JOBS });
  const js = jetstream(pubNc);
  const encoder = new TextEncoder();
  let storing = 0;
  let storeFailures = 0;
  let wake: (() => void) | undefined;
  const onStored = (): void => {
    storing--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onStoreFailed = (): void => {
    storeFailures++;
    onStored();
  };
  let settleAcks: () => Promise<void> = () => Promise.resolve();
  const result = await measure(async () => {
    const consuming = consumeN(messages, mode.confirmAck);
    for (let i = 0; i < N; i++) {
      const data = encoder.encode(JSON.stringify(payload(i)));
      if (mode.confirmPublish) {
        if (storing >= PUBLISH_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
        storing++;
        js.publish(subject, data).then(onStored, onStoreFailed);
      } else {
        pubNc.publish(subject, data);
      }
    }
    settleAcks = await consuming;
  });
  while (storing > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (storeFailures > 0) throw new Error(`${storeFailures} publishes were not confirmed`);
  await settleAcks();
  await pubNc.close();
  await subNc.close();
  return result;
}

const VARIANTS = {
  same: { confirmPublish: true, confirmAck: true },
  ackAck: { confirmPublish: false, confirmAck: true },
  plain: { confirmPublish: false, confirmAck: false },
} as const satisfies Record<string, RawMode>;
type Variant = keyof typeof VARIANTS;

const results: Record<"ours" | Variant, Round[]> = { ours: [], same: [], ackAck: [], plain: [] };
const line = (rounds: readonly Round[], i: number): string => {
  const r = rounds[i];
  return r === undefined ? "-" : `${Math.round(r.rate)} msg/s ${r.cpu.toFixed(1)} us`;
};
for (let round = 0; round < ROUNDS; round++) {
  // The order rotates, so no variant always runs right after the same other one.
  const order: ("ours" | Variant)[] = ["ours", "same", "ackAck", "plain"];
  for (let k = 0; k < round % order.length; k++) order.push(order.shift() ?? "ours");
  for (const which of order) results[which].push(which === "ours" ? await ours(round) : await raw(round, which, VARIANTS[which]));
  console.log(
    `round ${round + 1}: ours ${line(results.ours, round)}, raw same semantics ${line(results.same, round)}, ` +
      `raw ackAck ${line(results.ackAck, round)}, raw plain ${line(results.plain, round)} ` +
      `(CPU per event; load ${loadavg()[0]?.toFixed(1) ?? "?"})`,
  );
}

const what = `emit -> handled, 1 actor, no-op handler, ${N} events`;
const BASELINES: Record<Variant, { readonly name: string; readonly target?: ">= 0.9" }> = {
  same: { name: "raw js.publish + consume/json/ackAck (same semantics)", target: ">= 0.9" },
  ackAck: { name: "raw core publish + consume/json/ackAck (information)" },
  plain: { name: "raw core publish + consume/ack, plain acks (information)" },
};
for (const variant of ["same", "ackAck", "plain"] as const) {
  const { name: baselineName, target } = BASELINES[variant];
  compare({
    name: `${what}, median of ${ROUNDS}`,
    unit: "msg/s",
    ours: median(results.ours.map((r) => r.rate)),
    baseline: median(results[variant].map((r) => r.rate)),
    baselineName,
    ...(target === undefined ? {} : { target }),
  });
  compare({
    name: `${what}, CPU per event (client + nats-server), median of ${ROUNDS}`,
    unit: "us",
    ours: median(results.ours.map((r) => r.cpu)),
    baseline: median(results[variant].map((r) => r.cpu)),
    baselineName,
    ...(target === undefined ? {} : { target: "<= 1.11" as const }), // 1 / 0.9: the same target at equal CPU
  });
}
console.log(machine());
