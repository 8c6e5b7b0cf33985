// The publisher: registers the stream and emits a count every second.
// Run: NATS_URL=nats://127.0.0.1:4222 pnpm tsx --conditions=@x/source examples/pub.ts
import { setTimeout as sleep } from "node:timers/promises";
import { Events } from "@x/events";
import { COUNT } from "./events.js";

const every = Number(process.env.EMIT_EVERY_MS ?? 1_000);
const stop = new AbortController();
process.once("SIGINT", () => {
  stop.abort();
});
process.once("SIGTERM", () => {
  stop.abort();
});

await using conn = await Events(COUNT).connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
await conn.register(); // creates the JetStream stream
for (let value = 0; value < 1_000 && !stop.signal.aborted; value++) {
  await conn.emit(COUNT, value, { sync: true });
  //         event ⤴  payload ⤴
  console.log(`emitted ${value}`);
  await sleep(every, undefined, { signal: stop.signal }).catch(() => undefined);
}
