/** Handlers in worker threads and child processes (walnats' ExecuteIn), against a real nats-server. */
import { describe, expect, it } from "vitest";
import { Actor, Actors, createHandlerPool, Event, Events, type ExecuteIn, type JobOutcome, withResponse } from "../src/index.js";
import { sharedNatsServer, uniqueName, until } from "./helpers.js";

const nats = sharedNatsServer();

interface Square {
  readonly value: number;
  readonly pid: number;
  readonly mainThread: boolean;
}
const HANDLERS = new URL("./fixtures/pool-handlers.mjs", import.meta.url);

/** Runs `count` events of `payload` through an actor whose handler is the pool's `name`, until each is acked. */
async function run(
  executeIn: ExecuteIn,
  name: string,
  payloads: unknown[],
  actorOptions: { jobTimeoutMs?: number; ackWaitMs?: number } = {},
  maxMemoryMb?: number,
) {
  await using pool = createHandlerPool({
    filename: HANDLERS,
    executeIn,
    maxWorkers: 2,
    ...(maxMemoryMb === undefined ? {} : { maxMemoryMb }),
  });
  const event = Event(uniqueName(`pool-${name}`));
  await using events = await Events(event).connect(nats.nc);
  await events.register();
  await using actors = await Actors(Actor("pooled", event, pool.handler(name), { retryDelaysMs: [50], ...actorOptions })).connect(nats.nc);
  await actors.register();
  const outcomes: JobOutcome[] = [];
  actors.on("outcome", ({ outcome }) => outcomes.push(outcome));
  const stop = new AbortController();
  const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
  for (const payload of payloads) await events.emit(event, payload, { sync: true });
  await until(() => outcomes.filter((o) => o === "acked").length === payloads.length);
  stop.abort();
  await listening;
  return outcomes;
}

describe.each(["thread", "process"] as const)("executeIn: %s", (executeIn) => {
  it("runs the handler off the main thread and returns its result (here as a response)", async () => {
    await using pool = createHandlerPool({ filename: HANDLERS, executeIn, maxWorkers: 1 });
    const SQUARE = withResponse<number, number, Square>(Event<number>(uniqueName("square")));
    await using events = await Events(SQUARE).connect(nats.nc);
    await events.register();
    await using actors = await Actors(Actor("squarer", SQUARE, pool.handler<number, Square>("square"))).connect(nats.nc);
    await actors.register();
    const stop = new AbortController();
    const listening = actors.listen({ signal: stop.signal, pollDelayMs: 1_000 });
    const answer = await events.request(SQUARE, 7, { timeoutMs: 20_000 });
    stop.abort();
    await listening;
    expect(answer.value).toBe(49);
    expect(answer.mainThread).toBe(executeIn === "process"); // a child process has its own main thread
    if (executeIn === "process") expect(answer.pid).not.toBe(process.pid);
    else expect(answer.pid).toBe(process.pid);
  });

  it("a worker that crashes (process.exit) fails its job, which is retried; the actor keeps handling events", async () => {
    // The default jobTimeoutMs (32 s) is far away: the job fails because its worker died.
    const outcomes = await run(executeIn, "crash", [1, 2]);
    expect([...outcomes].sort()).toEqual(["acked", "acked", "retried", "retried"]);
  });

  it("jobTimeoutMs terminates a worker stuck in a loop; the retry succeeds", async () => {
    // Long enough for a fresh worker (a thread, or a child process) to start on a starved machine.
    const outcomes = await run(executeIn, "stuck", [1], { jobTimeoutMs: 3_000 });
    // The first attempt never ends and is cut off; a later one succeeds. On a starved machine a
    // retry may time out too while its fresh worker starts, so only the shape is fixed.
    expect(outcomes[0]).toBe("retried");
    expect(outcomes.at(-1)).toBe("acked");
    expect(outcomes.slice(1, -1).every((outcome) => outcome === "retried")).toBe(true);
  });

  it("pulses keep a pooled job longer than ackWaitMs from being redelivered: one run, one ack", async () => {
    const outcomes = await run(executeIn, "slow", [2_500], { ackWaitMs: 1_000, jobTimeoutMs: 10_000 });
    expect(outcomes).toEqual(["acked"]);
  });

  it("a handler that runs out of memory kills only its worker; the retry succeeds", async () => {
    const outcomes = await run(executeIn, "hog", [1], { jobTimeoutMs: 30_000 }, 48);
    expect(outcomes).toEqual(["retried", "acked"]);
  });
});
