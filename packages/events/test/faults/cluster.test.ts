/**
 * Events on a three-node JetStream cluster with R3 streams: `kill -9` of the stream's leader while
 * events are emitted with confirmation and handled by actors in two other processes.
 */
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type ChildProcess, printFaultReport, soakScale, spawnTs, startNatsCluster } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { Event, Events } from "../../src/index.js";
import { exited, onLines, stderrOf, until } from "../helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "../..");
const ACTOR = join(here, "cluster-actor.ts");
const KILLS = soakScale(1, 3);
/**
 * Long enough for the surviving nodes to elect a new leader (nats-server's Raft election timeout
 * is several seconds) and go on without the dead one for a while.
 */
const DOWN_MS = soakScale(15_000, 20_000);
const UP_MS = soakScale(2_000, 5_000);
const nats = { reconnectTimeWait: 100, maxReconnectAttempts: -1 };

/** Retries `step` until it succeeds: the cluster elects its meta leader a moment after start. */
async function retried<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= 60) throw error;
      await sleep(250);
    }
  }
}

describe("fault: kill -9 of the stream leader of an R3 event stream on a three-node cluster", () => {
  it("loses no confirmed event, and the actors in two processes keep consuming", async () => {
    await using cluster = await startNatsCluster(3);
    const urls = [...cluster.urls];
    const name = "cluster-orders";
    const event = Event<{ n: number }>(name, { replicas: 3 });
    await using events = await retried(() => Events(event).connect({ servers: urls, nats }));
    await retried(() => events.register());
    const admin = await connect({ servers: urls, ...nats });
    const jsm = await jetstreamManager(admin, { timeout: 2_000 });

    const handled = new Map<string, number>();
    const byProcess = [0, 0];
    const actors: ChildProcess[] = [];
    const errors: (() => string)[] = [];
    const ready = new Set<number>();
    for (const index of [0, 1]) {
      const child = spawnTs(ACTOR, [urls.join(","), name, "cluster-counter", "3"], { cwd: packageDir });
      errors.push(stderrOf(child));
      onLines(child, (line) => {
        if (line === "ready") ready.add(index);
        const uid = /^handled (.+)$/.exec(line)?.[1];
        if (uid === undefined) return;
        handled.set(uid, (handled.get(uid) ?? 0) + 1);
        byProcess[index] = (byProcess[index] ?? 0) + 1;
      });
      actors.push(child);
    }
    try {
      await until(() => ready.size === 2 || actors.some((child) => child.exitCode !== null));
      expect(ready.size, `an actor process failed to start: ${errors.map((e) => e()).join("\n")}`).toBe(2);

      const confirmed: string[] = [];
      let refused = 0;
      const reasons = new Set<string>();
      const emitting = new AbortController();
      const emitter = (async () => {
        for (let n = 0; !emitting.signal.aborted; n++) {
          const uid = `cluster-${String(n)}`;
          try {
            await events.emit(event, { n }, { sync: true, uid, timeoutMs: 2_000 });
            confirmed.push(uid);
          } catch (error) {
            reasons.add(error instanceof Error ? error.constructor.name : String(error));
            refused++; // not confirmed: the emitter knows, nothing was promised
            await sleep(50);
          }
        }
      })();

      const killed: string[] = [];
      let handledWhileDown = 0;
      let confirmedWhileDown = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(UP_MS);
        const leader = (await retried(() => jsm.streams.info(name))).cluster?.leader ?? "";
        const victim = cluster.nodes[Number(leader.replace("node-", ""))];
        if (leader === "" || victim === undefined) throw new Error(`no node is the leader of ${name} (got "${leader}")`);
        killed.push(leader);
        const before = confirmed.length;
        await victim.kill();
        await sleep(DOWN_MS);
        // Events confirmed after the kill and handled before the node came back: the surviving
        // nodes took over the stream and the actors' consumer without it.
        confirmedWhileDown += confirmed.length - before;
        handledWhileDown += confirmed.slice(before).filter((uid) => handled.has(uid)).length;
        await victim.restart();
      }
      await sleep(UP_MS);
      emitting.abort();
      await emitter;
      await Promise.race([until(() => confirmed.every((uid) => handled.has(uid)), 50), sleep(60_000)]);

      const lost = confirmed.filter((uid) => !handled.has(uid));
      const duplicated = [...handled.values()].reduce((sum, n) => sum + n - 1, 0);
      printFaultReport({
        scenario: "events: R3 cluster, kill -9 of the stream leader, sync emits, actors in two processes",
        confirmed: confirmed.length,
        handled: handled.size,
        lost: lost.length,
        duplicated,
        refused,
        reasons: [...reasons].join(","),
        confirmedWhileDown,
        handledWhileDown,
        byProcess: byProcess.join("/"),
        killed: killed.join(","),
      });
      expect(lost.slice(0, 10)).toEqual([]);
      expect(confirmed.length).toBeGreaterThan(0);
      expect(handledWhileDown, "the actors stopped consuming while a node was down").toBeGreaterThan(0);
      expect(
        byProcess.every((n) => n > 0),
        "both actor processes handled events",
      ).toBe(true);
    } finally {
      for (const child of actors) child.kill("SIGTERM");
      await Promise.all(actors.map((child) => exited(child)));
      await admin.close();
    }
  }, 300_000);
});
