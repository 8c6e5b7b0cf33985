import { fileURLToPath } from "node:url";
import { type ChildProcess, spawnTs, startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Actor, Actors, Event, Events } from "../src/index.js";
import { exited, onLines, stderrOf, until } from "./helpers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/actor-process.ts", import.meta.url));
const TOTAL = 1_000;
const A_MAX_JOBS = 4;
const ACK_WAIT = 2_000;

let server: Awaited<ReturnType<typeof startNatsServer>>;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server[Symbol.asyncDispose]();
});

describe("no loss across processes", () => {
  it("two A instances share the work, one is killed -9 after ~300: A and B still handle all 1,000", async () => {
    const event = Event<{ n: number }>("orders");
    // Register the stream and both consumers before emitting: interest retention keeps an event
    // only for actors that exist when it is stored.
    const noop = (): void => undefined;
    await using events = await Events(event).connect({ servers: server.url });
    await events.register();
    await using actors = await Actors(
      Actor("a", event, noop, { ackWaitMs: ACK_WAIT }),
      Actor("b", event, noop, { ackWaitMs: ACK_WAIT }),
    ).connect({ servers: server.url });
    await actors.register();
    for (let i = 0; i < TOTAL; i++) {
      const result = await events.emit(event, { n: i }, { uid: `order-${i}`, sync: true });
      expect(result.acknowledged).toBe(true);
    }

    const handled = { a1: [] as string[], a2: [] as string[], b: [] as string[] };
    const start = (name: keyof typeof handled, actor: string, delayMs: number): ChildProcess => {
      const child = spawnTs(FIXTURE, [server.url, "orders", actor, String(delayMs), String(A_MAX_JOBS), String(ACK_WAIT)]);
      onLines(child, (line) => {
        if (line.startsWith("handled ")) handled[name].push(line.slice("handled ".length));
      });
      return child;
    };
    const a1 = start("a1", "a", 3);
    const a2 = start("a2", "a", 3);
    const b = start("b", "b", 1);
    const errors = [stderrOf(a1), stderrOf(a2), stderrOf(b)];

    await until(() => handled.a1.length + handled.a2.length >= 300);
    a1.kill("SIGKILL");
    expect(await exited(a1)).toBe("SIGKILL");
    const a1BeforeKill = new Set(handled.a1);

    const unique = (...lists: string[][]): Set<string> => new Set(lists.flat());
    await until(() => unique(handled.a1, handled.a2).size === TOTAL && unique(handled.b).size === TOTAL);

    // Both A instances did part of the work (work sharing), and B saw everything (fan-out).
    expect(handled.a1.length).toBeGreaterThan(0);
    expect(handled.a2.length).toBeGreaterThan(0);
    expect(unique(handled.b).size).toBe(TOTAL);
    // Duplicates only for what the killed instance had in flight: at most its maxJobs, and only
    // events it had started before it died.
    const aAll = [...handled.a1, ...handled.a2];
    expect(unique(handled.a1, handled.a2).size).toBe(TOTAL);
    expect(aAll.length - TOTAL).toBeLessThanOrEqual(A_MAX_JOBS);
    const counts = new Map<string, number>();
    for (const uid of aAll) counts.set(uid, (counts.get(uid) ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([uid]) => uid);
    expect(duplicated.filter((uid) => !a1BeforeKill.has(uid))).toEqual([]);
    expect(handled.b.length).toBe(TOTAL); // B was never disturbed: no duplicates at all

    a2.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await exited(a2), errors[1]?.()).toBe(0);
    expect(await exited(b), errors[2]?.()).toBe(0);
  }, 120_000);
});
