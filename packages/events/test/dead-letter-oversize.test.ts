import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Actor, Actors, bytesSerializer, Event, Events, type JobOutcome, readDeadLetters } from "../src/index.js";
import { until } from "./helpers.js";

const MAX_PAYLOAD = 4_096;

describe("an event close to the server's max_payload", () => {
  it("is dead-lettered without its body (with stream and sequence to find it) instead of being retried forever", async () => {
    // nats-server 2.9 has no --max_payload flag: a config file sets it.
    const dir = await mkdtemp(join(tmpdir(), "events-max-payload-"));
    const config = join(dir, "nats.conf");
    await writeFile(config, `max_payload: ${MAX_PAYLOAD}\n`);
    try {
      await using server = await startNatsServer({ args: ["-c", config] });
      const event = Event("big-blob", { serializer: bytesSerializer });
      const outcomes: JobOutcome[] = [];
      const actor = Actor(
        "big-blob-eater",
        event,
        () => {
          throw new Error("cannot digest");
        },
        { maxAttempts: 1 },
      );
      await using events = await Events(event).connect({ servers: server.url });
      await events.register();
      await using actors = await Actors(actor).connect({ servers: server.url });
      await actors.register();
      const body = new Uint8Array(MAX_PAYLOAD - 100).fill(65);
      const { seq } = await events.emit(event, body, { sync: true, meta: { "X-Tag": "large" } });

      const stop = new AbortController();
      actors.on("outcome", ({ outcome }) => outcomes.push(outcome));
      const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
      // Before the fix every delivery ended "retried", for ever; bound the wait to show it.
      await Promise.race([until(() => outcomes.includes("dead-lettered") || outcomes.length >= 5), sleep(30_000)]);
      stop.abort();
      await listening;

      expect(outcomes).toEqual(["dead-lettered"]);
      const [letter] = await readDeadLetters(actors.connection);
      expect(letter).toMatchObject({
        reason: "max-attempts",
        event: "big-blob",
        actor: "big-blob-eater",
        eventStream: event.streamName,
        eventSeq: seq,
        bodyOmittedBytes: body.byteLength,
        headersOmitted: false,
        headers: { "X-Tag": "large" },
      });
      expect(letter?.data.byteLength).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
