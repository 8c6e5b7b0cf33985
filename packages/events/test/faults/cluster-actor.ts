/**
 * One actor instance in its own process, for the cluster fault test. Connects to every node of the
 * cluster (so it moves to another node when its own dies), registers with an R3 dead-letter stream
 * (retrying while the cluster elects its leaders), prints `ready` once it listens and
 * `handled <uid>` for every event its handler finished (before the ack), then exits 0 after a
 * graceful drain on SIGTERM.
 *
 * Usage: cluster-actor.ts <comma-separated-urls> <event> <actor> <replicas>
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Actor, Actors, Event } from "../../src/index.js";

const [urls = "", eventName = "", actorName = "", replicas = "3"] = process.argv.slice(2);
const event = Event<{ n: number }>(eventName, { replicas: Number(replicas) });
const actor = Actor(
  actorName,
  event,
  (_payload, ctx) => {
    process.stdout.write(`handled ${ctx.uid ?? "?"}\n`);
  },
  { maxJobs: 8, ackWaitMs: 3_000 },
);
const stop = new AbortController();
process.once("SIGTERM", () => {
  stop.abort();
});
const connected = await Actors(actor).connect({
  servers: urls.split(","),
  nats: { maxReconnectAttempts: -1, reconnectTimeWait: 100 },
  deadLetters: { replicas: Number(replicas) },
});
// The two processes register the same consumer at once, on a cluster that may still be electing:
// a refused or timed-out register is tried again, as a deploy script would.
for (let attempt = 1; ; attempt++) {
  try {
    await connected.register();
    break;
  } catch (error) {
    if (attempt >= 40) throw error;
    await sleep(250);
  }
}
const listening = connected.listen({ signal: stop.signal, maxJobs: 8, batch: 8, pollDelayMs: 1_000 });
process.stdout.write("ready\n");
await listening;
await connected.close();
