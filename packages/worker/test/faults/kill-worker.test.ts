/**
 * Workers killed mid-stream, counting what was confirmed (an enqueue that resolved), handled (its
 * handler ran to the end at least once), lost (confirmed, never handled: must be 0) and
 * duplicated (handled more than once: a worker killed after its handler finished but before the
 * ack; at-least-once delivery allows it, so it is reported, not failed).
 * - file queue: real processes, `kill -9` while jobs flow, replacements started, the killed
 *   worker's jobs coming back after their lease.
 * - memory queue: the queue lives in the process, so kill -9 of that process loses every job (as
 *   its README says). What is meaningful is a worker that dies without a word while others go on
 *   in the same process: its handle stops answering for good (nothing it had in flight settles,
 *   including the ack of a job it had just finished), and its jobs must come back after their lease.
 * Short in the test command; `pnpm soak` runs more jobs and kills.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryQueue, type QueueAdapter, type Reservation } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { printFaultReport, soakScale } from "@x/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker } from "../../src/index.js";
import { until, withReserve } from "../helpers.js";
import { readHandlerLog, spawnWorkerProcess, type WorkerChild } from "../worker-processes.js";

/** The soak runs far more jobs and kills than the default test timeout allows for. */
const TIMEOUT_MS = soakScale(120_000, 1_200_000);
const UNTIL_MS = soakScale(100_000, 1_100_000);

/** Counts of a run from the handlers' `done` records. */
function tally(confirmed: ReadonlySet<string>, done: readonly string[]) {
  const handled = new Set(done.filter((id) => confirmed.has(id)));
  return {
    confirmed: confirmed.size,
    handled: handled.size,
    lost: [...confirmed].filter((id) => !handled.has(id)).length,
    duplicated: done.length - new Set(done).size,
  };
}

describe("kill -9 of worker processes on the file queue", () => {
  let dir: string;
  let log: string;
  const children: WorkerChild[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "x-worker-kill-"));
    log = join(dir, "handled.log");
    await writeFile(log, "");
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "workers killed -9 while jobs flow: nothing confirmed is lost, duplicates are counted",
    async () => {
      const jobs = soakScale(200, 5_000);
      const kills = soakScale(2, 20);
      // A short lease brings the killed workers' jobs back soon; the survivors touch theirs.
      const config = { dir: join(dir, "queue"), log, ttrMs: 1_000, slowMs: 20, concurrency: 2 };
      const queue = createFileQueue({ dir: config.dir, ttrMs: config.ttrMs, fsync: false });
      const start = (): WorkerChild => {
        const child = spawnWorkerProcess(config);
        children.push(child);
        return child;
      };
      const alive = [start(), start()];
      const confirmed = new Set<string>();
      let killed = 0;
      for (let i = 0; i < jobs; i++) {
        confirmed.add((await queue.enqueue({ requestType: "slow", payload: i })).id);
        if (killed < kills && i === Math.floor(((killed + 1) * jobs) / (kills + 1))) {
          const victim = alive[killed % alive.length];
          if (victim === undefined) throw new Error("no worker to kill");
          // Mid-stream: the victim has started jobs and has more to do.
          await until(() => victim.stdout.includes("started "), "the victim to start a job", 60_000);
          victim.process.kill("SIGKILL");
          expect((await victim.exited).signal).toBe("SIGKILL");
          alive[killed % alive.length] = start();
          killed++;
        }
      }
      const done = async (): Promise<string[]> =>
        (await readHandlerLog(log)).filter(([event]) => event === "done").map(([, , id]) => id ?? "");
      await until(async () => tally(confirmed, await done()).lost === 0, "every confirmed job to be handled", UNTIL_MS);
      for (const child of alive) child.process.kill("SIGTERM");
      const exits = await Promise.all(alive.map((child) => child.exited));
      expect(
        exits.every((exit) => exit.code === 0),
        alive.map((child) => child.stderr).join("\n"),
      ).toBe(true);

      const counts = tally(confirmed, await done());
      const redelivered = (await readHandlerLog(log)).filter(([event, , , attempt]) => event === "started" && Number(attempt) > 1).length;
      printFaultReport({ scenario: "worker processes killed -9 mid-stream (file queue)", ...counts, kills: killed, redelivered });
      expect(killed).toBe(kills);
      expect(counts.lost).toBe(0);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
      await queue.close();
    },
    TIMEOUT_MS,
  );
});

/**
 * A handle on a queue that can die: after `kill()`, every call in flight and every later call
 * never settles, as if its process were gone. `bury()` (at the end of a test) turns them into
 * rejections, so the dead worker can be closed; none of them reaches the queue.
 */
function mortal(queue: QueueAdapter): { queue: QueueAdapter; kill(): void; bury(): void; readonly dead: boolean } {
  let state: "alive" | "dead" | "buried" = "alive";
  const hung: ((reason: Error) => void)[] = [];
  const gone = (): Promise<never> =>
    state === "buried"
      ? Promise.reject(new Error("the process is gone"))
      : new Promise<never>((_resolve, reject) => {
          hung.push(reject);
        });
  const guard = <T>(call: () => Promise<T>): Promise<T> => {
    if (state !== "alive") return gone();
    return call().then(
      (value) => (state === "alive" ? value : gone()),
      (error: unknown) => (state === "alive" ? Promise.reject(error) : gone()),
    );
  };
  const wrap = (reservation: Reservation): Reservation => ({
    message: reservation.message,
    leaseMs: reservation.leaseMs,
    ack: () => guard(() => reservation.ack()),
    release: (options) => guard(() => reservation.release(options)),
    bury: (reason) => guard(() => reservation.bury(reason)),
    touch: () => guard(() => reservation.touch()),
  });
  return {
    queue: withReserve(queue, (options) =>
      guard(async () => {
        const reservation = await queue.reserve(options);
        return reservation && wrap(reservation);
      }),
    ),
    kill: () => {
      state = "dead";
    },
    bury: () => {
      state = "buried";
      for (const reject of hung.splice(0)) reject(new Error("the process is gone"));
    },
    get dead() {
      return state !== "alive";
    },
  };
}

describe("a worker that dies in the process of a memory queue", () => {
  it(
    "its jobs come back after their lease and are handled by the others: nothing confirmed is lost",
    async () => {
      const jobs = soakScale(300, 10_000);
      const queue = createMemoryQueue({ leaseMs: 300 });
      const doomed = mortal(queue);
      const done: string[] = [];
      let redelivered = 0;
      let killAfterNextJob = false;
      const handlersOf = (doomedOne: boolean) => ({
        slow: async (_payload: unknown, ctx: { readonly message: { readonly id: string }; readonly attempt: number }) => {
          if (ctx.attempt > 1) redelivered++;
          await new Promise((resolve) => setTimeout(resolve, 2));
          // A dead process's handler never gets to the end.
          if (doomedOne && doomed.dead) return new Promise(() => undefined);
          done.push(ctx.message.id);
          // Dies right after a handler ended, before its ack: that job will run twice.
          if (doomedOne && killAfterNextJob) doomed.kill();
          return undefined;
        },
      });
      const options = { pollTimeoutMs: 50, handleSignals: false, concurrency: 4 } as const;
      const dying = createWorker({ ...options, queue: doomed.queue, handlers: handlersOf(true), shutdownTimeoutMs: 10 });
      const survivor = createWorker({ ...options, queue, handlers: handlersOf(false) });
      const runs = [dying.run(), survivor.run()];

      const confirmed = new Set<string>();
      for (let i = 0; i < jobs; i++) {
        confirmed.add((await queue.enqueue({ requestType: "slow", payload: i })).id);
        if (i === Math.floor(jobs / 2)) {
          // Killed with jobs in hand (none of them will be settled), after it has done some.
          await until(() => dying.counters.succeeded > 0, "the doomed worker to handle jobs");
          killAfterNextJob = true;
          await until(() => doomed.dead, "the doomed worker to die");
        }
        // Let both workers take jobs while they keep coming.
        if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => tally(confirmed, done).lost === 0, "every confirmed job to be handled", UNTIL_MS);
      await survivor.close();
      doomed.bury();
      await dying.close();
      await Promise.all(runs);

      const counts = tally(confirmed, done);
      printFaultReport({ scenario: "a worker dying mid-stream beside another (memory queue)", ...counts, deaths: 1, redelivered });
      expect(counts.lost).toBe(0);
      // The job it had finished but not acked, and any it held, came back as later attempts.
      expect(redelivered).toBeGreaterThan(0);
      expect(counts.duplicated).toBeGreaterThan(0);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
      await queue.close();
    },
    TIMEOUT_MS,
  );
});
