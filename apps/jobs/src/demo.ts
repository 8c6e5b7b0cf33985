import { createHeart } from "@x/heartbeat";
import { startSchedules } from "@x/schedule";
import { createProducer, createWorker, defineJob, FatalError, InvalidJobPayloadError, TransientError } from "@x/worker";
import { z } from "zod";
import { openDemoQueue } from "./queue.js";
import { clock, explainHeartbeat, jobLabel, type StoryEnd, summaryLines } from "./story.js";

/** The payload of `send_email`, checked by the producer at enqueue and by the worker before the handler runs. */
export const SendEmail = z.object({ to: z.email() });

/** The jobs of the demo: request type -> payload. */
export interface Jobs {
  send_email: z.input<typeof SendEmail>;
  resize_image: { url: string };
  charge_card: { cents: number };
  send_reminder: { to: string };
  flash_sale: { sku: string };
  queue_report: undefined;
}

/** The schedule's ticks the demo waits for before it stops the scheduler. */
const REPORT_TICKS = 2;

/** What happened: the counts of the summary (the smoke test and `main.ts` check them). */
export type DemoSummary = StoryEnd;

/** The outcomes the twelve jobs (ten enqueued, two scheduled) must end in; anything else is a bug. */
export const EXPECTED = { jobs: 12, succeeded: 9, succeededAfterRetries: 2, retries: 4, buried: 2, expired: 1, errors: 0 } as const;

/** A demo that has not finished by then is stuck: the worker stops, and the outcomes say so. */
const DEMO_TIMEOUT_MS = 60_000;

/**
 * Producer and worker on a file queue in a temp dir (no servers, a second or two, then a summary),
 * or on the NATS JetStream queue `JOBS_QUEUE=nats://host:port/<queue>` names, with the same story.
 */
export async function runDemo(print: (line: string) => void = console.log, env: NodeJS.ProcessEnv = process.env): Promise<DemoSummary> {
  const { queue, kind, where, cleanUp } = await openDemoQueue(env);
  // The jobs the demo leaves behind (buried, expired), removed at the end so it can run again.
  const left: string[] = [];
  try {
    const before = await queue.stats();
    const stored = before.ready + before.delayed + before.reserved + before.buried;
    if (stored > 0) {
      throw new Error(`the queue ${where} already holds ${stored} jobs: the demo needs an empty one (name another queue)`);
    }
    print(`The main job: a producer puts 10 jobs on ${kind}, a schedule adds 2, and a worker runs them.`);
    print(`queue: ${where}`);
    const jobs = createProducer<Jobs>({ queue, schemas: { send_email: SendEmail } });
    for (const to of ["ada@example.com", "alan@example.com", "grace@example.com", "linus@example.com"]) {
      await jobs.enqueue("send_email", { to });
    }
    await jobs.enqueue("resize_image", { url: "https://example.com/cat.png" });
    await jobs.enqueue("resize_image", { url: "https://example.com/dog.png" });
    await jobs.enqueue("charge_card", { cents: 4_200 });
    await jobs.enqueue("send_reminder", { to: "ada@example.com" }, { delayMs: 1_000 });
    // Ready only after it may no longer start: it expires in the queue.
    await jobs.enqueue("flash_sale", { sku: "tv-55" }, { delayMs: 600, expiresInMs: 300 });
    try {
      await jobs.enqueue("send_email", { to: "nobody" });
    } catch (error) {
      if (!(error instanceof InvalidJobPayloadError)) throw error;
      print(`producer: refused send_email {"to":"nobody"} at enqueue: ${error.issues.map((issue) => issue.message).join("; ")}`);
    }
    // Another service, without the schema, slips the same mistake past its own producer.
    await createProducer<Jobs>({ queue }).enqueue("send_email", { to: "nobody" });
    print("");
    print(`producer: enqueued ${EXPECTED.jobs - REPORT_TICKS} jobs`);
    print("  4 x send_email     succeed");
    print("  2 x resize_image   fail twice with a TransientError, then succeed (retried after 100 ms, then 200 ms)");
    print("  1 x charge_card    fails with a FatalError: buried at once, never retried");
    print("  1 x send_reminder  delayed: ready only after 1 s");
    print("  1 x flash_sale     ready after 0.6 s, but may only start within 0.3 s: it expires");
    print('  1 x send_email     {"to":"nobody"} from a producer without the schema: buried by the worker\'s check, never run');
    print("schedule: queue_report every 0.5 s, twice (then the demo stops the scheduler)");
    print("");
    print("worker: 2 jobs at a time; it reports its own health as heartbeats (heartbeat.<process> <state>/<seconds>)");

    const started = performance.now();
    const now = clock(started);
    const line = (text: string): void => {
      print(`${now()}  ${text}`);
    };
    const heart = createHeart({
      process: "jobs.demo",
      subjectAsString: true,
      publisher: {
        publish: ({ subject, payload }) => {
          const text = new TextDecoder().decode(payload);
          line(`${`${subject} ${text}`.padEnd(30)} ${explainHeartbeat(text)}`);
        },
      },
    });
    const worker = createWorker<Jobs>({
      queue,
      concurrency: 2,
      pollTimeoutMs: 200,
      backoff: { type: "exponential", delayMs: 100, jitter: 0 },
      heart,
      heartbeatPeriodMs: 1_000,
      heartbeatWarmupMs: 5_000,
      // Two failures in a row: the second tries of the two images always fail after the last e-mail
      // succeeded, so the story always shows `degraded` (the default, 5, depends on timing here).
      degradedAfterFailures: 2,
      signal: AbortSignal.timeout(DEMO_TIMEOUT_MS),
      handlers: {
        send_email: defineJob({
          schema: SendEmail,
          handle: async ({ to }) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            line(`  handler: mail sent to ${to}`);
          },
        }),
        queue_report: async () => {
          const { ready, delayed, buried } = await queue.stats();
          line(`  handler: queue report: ${ready} ready, ${delayed} delayed, ${buried} buried`);
        },
        resize_image: (_image, ctx) => {
          if (ctx.attempt <= 2) throw new TransientError("image service busy");
        },
        charge_card: ({ cents }) => {
          throw new FatalError(`card declined (${cents} cents)`);
        },
        send_reminder: ({ to }) => {
          line(`  handler: reminder sent to ${to}`);
        },
        flash_sale: () => {
          line("  never printed: the sale expired before it could start");
        },
      },
    });
    // Intervals count from the Unix epoch, so every scheduler process agrees on the ticks; the
    // short grace suits one process (several would keep the 1 s default).
    const scheduler = startSchedules(queue, [{ name: "queue_report", everyMs: 500, job: { requestType: "queue_report" } }], {
      graceMs: 100,
    });
    let ticks = 0;
    scheduler.on("enqueued", ({ message }) => {
      line(`scheduled  queue_report as ${message.id.replace(/\.\d+$/, ".<tick>")}`);
      if (++ticks === REPORT_TICKS) void scheduler.close();
    });
    scheduler.on("error", ({ error }) => {
      line(`error      schedule: ${String(error)}`);
    });
    // Every job ends in exactly one outcome event; once all of them have, the demo is over.
    let finished = 0;
    let afterRetries = 0;
    const done = (): void => {
      if (++finished === EXPECTED.jobs) void worker.close();
    };
    worker.on("succeeded", (e) => {
      if (e.attempt > 1) afterRetries++;
      line(`succeeded  ${jobLabel(e.message)} on attempt ${e.attempt}`);
      done();
    });
    worker.on("retried", (e) => {
      line(`retried    ${jobLabel(e.message)}: attempt ${e.attempt} failed (${String(e.error)}), again in ${e.delayMs} ms`);
    });
    worker.on("buried", (e) => {
      left.push(e.message.id);
      line(`buried     ${jobLabel(e.message)}: ${e.detail}`);
      done();
    });
    worker.on("expired", (e) => {
      left.push(e.message.id);
      line(`expired    ${jobLabel(e.message)}: ${e.action === "bury" ? 'buried as "expired"' : "deleted"}, never run`);
      done();
    });
    worker.on("error", (e) => {
      line(`error      ${e.phase}: ${String(e.error)}`);
    });

    const { counters } = await worker.run();
    await scheduler.close();
    const summary: DemoSummary = {
      jobs: EXPECTED.jobs,
      succeeded: counters.succeeded,
      succeededAfterRetries: afterRetries,
      retries: counters.retried,
      buried: counters.buried,
      expired: counters.expired,
      errors: counters.errors,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      left: await queue.stats(),
    };
    print("");
    for (const text of summaryLines(summary)) print(text);
    return summary;
  } finally {
    await cleanUp(left);
  }
}

/** Whether every job ended as the demo intends and nothing is left but the buried and expired jobs. */
export function asExpected(summary: DemoSummary): boolean {
  const { left } = summary;
  return (
    summary.succeeded === EXPECTED.succeeded &&
    summary.succeededAfterRetries === EXPECTED.succeededAfterRetries &&
    summary.retries === EXPECTED.retries &&
    summary.buried === EXPECTED.buried &&
    summary.expired === EXPECTED.expired &&
    summary.errors === EXPECTED.errors &&
    left.ready + left.delayed + left.reserved === 0 &&
    left.buried === EXPECTED.buried + EXPECTED.expired
  );
}
