/**
 * Fault scenario: the nats-server is killed (-9) while hearts beat through it and a monitor
 * watches through a subscription; it stays down for a while and comes back on the same port.
 * The monitor must mark every process late and then down during the outage (no heartbeat can
 * arrive), and up again once the connections are back, without a restart of anything but the
 * server. Short in the test command; longer outages, more processes and repeated kills under
 * `pnpm soak`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { printFaultReport, soakScale, startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createHeart, createMonitor, type Transition } from "../../src/index.js";

const PROCESSES = soakScale(5, 50);
const OUTAGES = soakScale(1, 3);
const OUTAGE_MS = soakScale(3_000, 15_000);
/** Steady beating before each kill and after each recovery, which must not see a process late. */
const STEADY_MS = soakScale(1_000, 5_000);
/** Beats every 100 ms with a period of 0.5 s: late 0.75 s after the last one, down 1 s later. */
const BEAT_EVERY_MS = 100;
const PERIOD_MS = 500;
/** Reconnect without a limit and quickly: the scenario is about the monitor, not the client's defaults. */
const CLIENT = { maxReconnectAttempts: -1, reconnectTimeWait: 100 } as const;

/** Polls `condition` every 20 ms; gives up after `limitMs` so a broken run ends by itself. */
async function until(condition: () => boolean, limitMs: number): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (condition()) return true;
    await sleep(20);
  }
  return condition();
}

describe("fault: nats-server kill -9 while hearts beat and a monitor watches", () => {
  it("every process goes late and down during the outage and up again after it", async () => {
    await using server = await startNatsServer({ jetstream: false });
    const producer: NatsConnection = await connect({ servers: server.url, ...CLIENT });
    const consumer: NatsConnection = await connect({ servers: server.url, ...CLIENT });
    const monitor = createMonitor();
    const transitions: Transition[] = [];
    monitor.on("transition", (t) => transitions.push(t));
    let received = 0;
    const subscription = consumer.subscribe("heartbeat.>", {
      callback: (_error, message) => {
        received++;
        monitor.receive(message.subject, message.data);
      },
    });
    await consumer.flush();

    let published = 0;
    let publishFailed = 0;
    const names = Array.from({ length: PROCESSES }, (_, i) => `fault.worker.${i}`);
    const hearts = names.map((process) =>
      createHeart({
        process,
        subjectAsString: true,
        minIntervalMs: 0,
        publisher: {
          publish: ({ subject, payload }) => {
            producer.publish(subject, payload);
          },
        },
      }),
    );
    const beat = (): void => {
      for (const heart of hearts) {
        try {
          heart.beat({ periodMs: PERIOD_MS });
          published++;
        } catch {
          publishFailed++; // a closed connection would throw; it never closes with CLIENT
        }
      }
    };
    for (const heart of hearts) heart.start({ warmupMs: 5_000 });
    const beating = setInterval(beat, BEAT_EVERY_MS);
    const state = (process: string) => monitor.get(process)?.state;
    const allAre = (wanted: string): boolean => names.every((p) => state(p) === wanted);

    const outages: { late: number; down: number; up: number; lateAfter: number; outageMs: number; recoveryMs: number }[] = [];
    try {
      expect(await until(() => allAre("up"), 10_000)).toBe(true);
      for (let outage = 0; outage < OUTAGES; outage++) {
        await sleep(STEADY_MS);
        const mark = transitions.length;
        await server.kill();
        const killedAt = performance.now();
        await sleep(OUTAGE_MS);
        const during = transitions.slice(mark);
        const wentTo = (to: string) => new Set(during.filter((t) => t.to === to).map((t) => t.process)).size;
        // Nothing can arrive while the server is gone: every process was seen late, then down.
        expect(allAre("down")).toBe(true);
        await server.restart();
        const restartedAt = performance.now();
        const recovered = await until(() => allAre("up"), 30_000);
        const recoveryMs = Math.round(performance.now() - restartedAt);
        const steady = transitions.length;
        await sleep(STEADY_MS);
        const after = transitions.slice(mark);
        outages.push({
          late: wentTo("late"),
          down: wentTo("down"),
          up: new Set(after.filter((t) => t.to === "up").map((t) => t.process)).size,
          lateAfter: transitions.slice(steady).filter((t) => t.to !== "up").length,
          outageMs: Math.round(restartedAt - killedAt),
          recoveryMs,
        });
        expect(recovered).toBe(true);
      }
    } finally {
      clearInterval(beating);
      subscription.unsubscribe();
      await producer.close();
      await consumer.close();
      await monitor.close();
    }

    const recoveredAll = outages.every((o) => o.up === PROCESSES);
    const lost = outages.reduce((n, o) => n + (PROCESSES - o.up), 0);
    printFaultReport({
      scenario: "heartbeat: nats-server kill -9 and restart under a watching monitor",
      confirmed: PROCESSES * OUTAGES,
      handled: outages.reduce((n, o) => n + o.up, 0),
      lost,
      duplicated: 0,
      processes: PROCESSES,
      outages: OUTAGES,
      wentLate: outages.reduce((n, o) => n + o.late, 0),
      wentDown: outages.reduce((n, o) => n + o.down, 0),
      lateAfterRecovery: outages.reduce((n, o) => n + o.lateAfter, 0),
      outageMs: outages.map((o) => o.outageMs).join("/"),
      recoveryMs: outages.map((o) => o.recoveryMs).join("/"),
      beatCalls: published,
      publishFailed,
      heartbeatsReceived: received,
      invalid: monitor.stats().invalid,
    });
    expect(recoveredAll).toBe(true);
    for (const o of outages) {
      expect(o.late).toBe(PROCESSES);
      expect(o.down).toBe(PROCESSES);
      expect(o.lateAfter).toBe(0);
    }
    expect(lost).toBe(0);
  });
});
