import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Heart } from "@x/heartbeat";
import { createFileQueue } from "@x/queue-file";
import { createProducer, createWorker, FatalError, TransientError } from "@x/worker";

/** The jobs of the demo: request type -> payload. */
export interface Jobs {
  send_email: { to: string };
  resize_image: { url: string };
  charge_card: { cents: number };
  send_reminder: { to: string };
  flash_sale: { sku: string };
}

/** What happened, for the summary line (and the smoke test). */
export interface DemoSummary {
  readonly succeeded: number;
  readonly succeededAfterRetries: number;
  readonly retries: number;
  readonly buried: number;
  readonly expired: number;
  readonly errors: number;
  readonly seconds: number;
}

/** Producer and worker on a file queue in a temp dir: no servers, a few seconds, then a summary. */
export async function runDemo(print: (line: string) => void = console.log): Promise<DemoSummary> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "x-jobs-demo-"));
  const queue = createFileQueue({ dir });
  try {
    const jobs = createProducer<Jobs>(queue);
    for (const to of ["ada@example.com", "alan@example.com", "grace@example.com", "linus@example.com"]) {
      await jobs.enqueue("send_email", { to });
    }
    await jobs.enqueue("resize_image", { url: "https://example.com/cat.png" });
    await jobs.enqueue("resize_image", { url: "https://example.com/dog.png" });
    await jobs.enqueue("charge_card", { cents: 4_200 });
    await jobs.enqueue("send_reminder", { to: "ada@example.com" }, { delayMs: 1_000 });
    // Ready only after it may no longer start: it expires in the queue.
    await jobs.enqueue("flash_sale", { sku: "tv-55" }, { delayMs: 600, expiresInMs: 300 });
    const total = 9;
    print(`producer: ${total} jobs in ${dir}`);

    const heart = new Heart({
      process: "jobs.demo",
      subjectAsString: true,
      publisher: {
        publish: ({ subject, payload }) => {
          print(`${subject} ${new TextDecoder().decode(payload)}`);
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
      handlers: {
        send_email: async ({ to }) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          print(`  mail sent to ${to}`);
        },
        resize_image: (_image, ctx) => {
          if (ctx.attempt <= 2) throw new TransientError("image service busy");
        },
        charge_card: ({ cents }) => {
          throw new FatalError(`card declined (${cents} cents)`);
        },
        send_reminder: ({ to }) => {
          print(`  reminder sent to ${to}`);
        },
        flash_sale: () => {
          print("  never printed: the sale expired before it could start");
        },
      },
    });
    let finished = 0;
    let afterRetries = 0;
    const done = (): void => {
      if (++finished === total) void worker.close();
    };
    worker.on("succeeded", (e) => {
      if (e.attempt > 1) afterRetries++;
      print(`succeeded ${e.message.header.requestType ?? ""} (attempt ${e.attempt})`);
      done();
    });
    worker.on("retried", (e) => {
      print(`retried   ${e.message.header.requestType ?? ""} in ${e.delayMs} ms: ${String(e.error)}`);
    });
    worker.on("buried", (e) => {
      print(`buried    ${e.message.header.requestType ?? ""}: ${e.detail}`);
      done();
    });
    worker.on("expired", (e) => {
      print(`expired   ${e.message.header.requestType ?? ""} (${e.action === "bury" ? "buried" : "deleted"})`);
      done();
    });
    worker.on("error", (e) => {
      print(`error     ${e.phase}: ${String(e.error)}`);
    });

    const { counters } = await worker.run();
    const summary: DemoSummary = {
      succeeded: counters.succeeded,
      succeededAfterRetries: afterRetries,
      retries: counters.retried,
      buried: counters.buried,
      expired: counters.expired,
      errors: counters.errors,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    const left = await queue.stats();
    print(
      `summary: ${summary.succeeded} succeeded (${summary.succeededAfterRetries} after retries), ${summary.retries} retries, ` +
        `${summary.buried} buried, ${summary.expired} expired, ${summary.errors} errors in ${summary.seconds} s; ` +
        `queue: ${left.ready} ready, ${left.delayed} delayed, ${left.reserved} reserved, ${left.buried} buried`,
    );
    return summary;
  } finally {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
}
