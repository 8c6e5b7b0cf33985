// The subscriber: registers the actor's durable consumer and prints every count it handles.
// Run it twice to see the work shared; stop one (Ctrl+C) to see that nothing gets lost.
// Run: NATS_URL=nats://127.0.0.1:4222 pnpm tsx --conditions=@x/source examples/sub.ts
import { Actor, Actors } from "@x/events";
import { COUNT } from "./events.js";

const stop = new AbortController();
// Ctrl+C: stop fetching, finish what is running, then exit.
process.once("SIGINT", () => {
  stop.abort();
});
process.once("SIGTERM", () => {
  stop.abort();
});

const registry = Actors(
  // Actor(name, event, handler)
  Actor("print", COUNT, (value) => {
    console.log(value);
  }),
);
await using conn = await registry.connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
await conn.register(); // creates the JetStream consumer
console.log("listening for counts");
await conn.listen({ signal: stop.signal }); // runs the actors until stopped
