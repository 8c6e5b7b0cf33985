import { createServer } from "node:net";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { createMemoryQueue } from "@x/message";
import { createProducer, createWorker, FatalError } from "@x/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerSdk, type TestSdk } from "./sdk.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The value of one sample line of the exposition (`name{labels} value`). */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name}{`) && labels.split(",").every((label) => candidate.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

interface Jobs {
  resize: { ok: boolean };
  charge: Record<string, never>;
}

describe("a Prometheus scrape of the job instruments (OpenTelemetry's Prometheus exporter)", () => {
  let sdk: TestSdk;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    const exporter = new PrometheusExporter({ host: "127.0.0.1", port, preventServerStart: true });
    sdk = registerSdk({ reader: exporter });
    await exporter.startServer();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("shows enqueued, started, succeeded, failed, retried, buried, durations, wait times and queue depth", async () => {
    const queue = createMemoryQueue();
    const jobs = createProducer<Jobs>({ queue });
    await jobs.enqueue("resize", { ok: true });
    await jobs.enqueue("resize", { ok: false });
    await jobs.enqueue("charge", {});
    const worker = createWorker<Jobs>({
      queue,
      handlers: {
        resize: ({ ok }) => {
          if (!ok) throw new Error("disk full");
        },
        charge: () => {
          throw new FatalError("card declined");
        },
      },
      backoff: { type: "fixed", delayMs: 60_000 },
      shutdownAfterEmptyIterations: 0,
      handleSignals: false,
    });
    await worker.run();

    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const resize = 'messaging_destination_name="resize",messaging_system="memory"';
    const charge = 'messaging_destination_name="charge",messaging_system="memory"';
    expect(sample(text, "x_jobs_enqueued_total", resize)).toBe(2);
    expect(sample(text, "x_jobs_started_total", resize)).toBe(2);
    expect(sample(text, "x_jobs_succeeded_total", resize)).toBe(1);
    expect(sample(text, "x_jobs_failed_total", resize)).toBe(1);
    expect(sample(text, "x_jobs_retried_total", resize)).toBe(1);
    expect(sample(text, "x_jobs_buried_total", charge)).toBe(1);
    expect(sample(text, "x_job_duration_count", resize)).toBe(2);
    expect(sample(text, "x_job_wait_time_count", resize)).toBe(2);
    expect(text).toContain("# TYPE x_job_duration histogram");
    expect(text).toContain("# UNIT x_job_duration s");
    expect(sample(text, "x_job_duration_bucket", `${resize},le="300"`)).toBe(2);
    expect(sample(text, "x_jobs_failed_total", charge)).toBe(1);
    // The gauge stops reporting when the worker stops: its series are gone from later scrapes.
    expect(text).not.toContain("x_queue_depth{");
  });

  it("reports queue depth by state while a worker runs", async () => {
    const queue = createMemoryQueue();
    await queue.enqueue({ requestType: "later", delayMs: 60_000 });
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    await queue.enqueue({ requestType: "slow" });
    const worker = createWorker({
      queue,
      handlers: {
        slow: async () => {
          started();
          await blocked;
        },
      },
      shutdownAfterEmptyIterations: 0,
      handleSignals: false,
    });
    const run = worker.run();
    await running;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    release();
    await run;
    expect(sample(text, "x_queue_depth", 'x_queue_state="reserved"')).toBe(1);
    expect(sample(text, "x_queue_depth", 'x_queue_state="delayed"')).toBe(1);
    expect(sample(text, "x_queue_depth", 'x_queue_state="ready"')).toBe(0);
    expect(text).toContain("# UNIT x_queue_depth");
  });
});
