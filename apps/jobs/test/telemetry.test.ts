import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startOtlpReceiver } from "./otlp-receiver.js";
import { APP_DIR, runApp, startApp } from "./run-app.js";
import { expectTheStory } from "./story-checks.js";

/** OTLP's span kinds. */
const PRODUCER = 4;
const CONSUMER = 5;
const CLIENT = 3;

/** The environment of a run: the test's own, without telemetry variables the machine may have set. */
function envWith(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OTEL_") && key !== "X_METRICS_PORT"));
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** The value of the one sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, ...labels: string[]): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** How the child ended: its exit code, or the signal that ended it. */
async function exitOf(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      resolve([code, signal]);
    });
  });
}

/** Resolves with the output so far once `pattern` shows on the child's stdout or stderr. */
async function outputUntil(child: ChildProcess, pattern: RegExp): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(out.stdout) || pattern.test(out.stderr)) resolve(out);
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      out.stdout += chunk.toString("utf8");
      check();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out.stderr += chunk.toString("utf8");
      check();
    });
    child.once("exit", (code) => {
      reject(new Error(`exited (${String(code)}) before ${String(pattern)}:\n${out.stdout}\n${out.stderr}`));
    });
  });
}

describe("apps/jobs exports traces and metrics when one variable says where", () => {
  it("OTEL_EXPORTER_OTLP_ENDPOINT: each job's trace (send, its process runs, their settle calls) and the job metrics reach an OTLP/HTTP receiver", async () => {
    await using receiver = await startOtlpReceiver();
    const { code, stdout, stderr } = await runApp([], envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }));
    expect(code, stderr).toBe(0);
    // The story is the one without telemetry; stderr has only the line saying where telemetry goes.
    expectTheStory(stdout);
    expect(stderr).toBe(`telemetry: traces and metrics over OTLP/HTTP (JSON) to ${receiver.endpoint}; service.name jobs-demo\n`);
    const paths = new Set(receiver.requests.map((r) => `${r.path} ${r.contentType}`));
    expect(paths).toEqual(new Set(["/v1/traces application/json", "/v1/metrics application/json"]));

    const spans = receiver.spans();
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["jobs-demo"]));
    const sends = spans.filter((s) => s.kind === PRODUCER);
    // Ten jobs went through a producer (the one refused at enqueue never reached the queue).
    expect(sends.map((s) => s.name).sort()).toEqual([
      "send charge_card",
      "send flash_sale",
      "send resize_image",
      "send resize_image",
      "send send_email",
      "send send_email",
      "send send_email",
      "send send_email",
      "send send_email",
      "send send_reminder",
    ]);
    for (const send of sends) {
      expect(send.parentSpanId).toBe("");
      expect(send.attributes).toMatchObject({ "messaging.system": "file", "messaging.operation.type": "send" });
    }
    // A resized image: one trace, from the producer's send through three runs, each settled.
    for (const send of sends.filter((s) => s.name === "send resize_image")) {
      const trace = spans.filter((s) => s.traceId === send.traceId);
      const runs = trace
        .filter((s) => s.kind === CONSUMER)
        .sort((a, b) => Number(a.attributes["x.messaging.delivery.count"]) - Number(b.attributes["x.messaging.delivery.count"]));
      expect(runs.map((r) => [r.name, r.parentSpanId, r.attributes["x.messaging.delivery.count"], r.attributes["x.outcome"]])).toEqual([
        ["process resize_image", send.spanId, 1, "retried"],
        ["process resize_image", send.spanId, 2, "retried"],
        ["process resize_image", send.spanId, 3, "succeeded"],
      ]);
      for (const run of runs) expect(run.attributes["messaging.message.id"]).toBe(send.attributes["messaging.message.id"]);
      const settles = trace.filter((s) => s.kind === CLIENT);
      expect(settles.map((s) => [s.name, runs.findIndex((r) => r.spanId === s.parentSpanId)]).sort()).toEqual([
        ["ack resize_image", 2],
        ["release resize_image", 0],
        ["release resize_image", 1],
      ]);
      expect(trace).toHaveLength(7);
    }
    // Every job sent ran (or was buried, or expired) in the trace its producer started.
    for (const send of sends) {
      const runs = spans.filter((s) => s.kind === CONSUMER && s.parentSpanId === send.spanId);
      expect(runs.length, send.name).toBeGreaterThan(0);
      for (const run of runs) expect(run.traceId).toBe(send.traceId);
    }
    const outcome = (type: string) => spans.filter((s) => s.name === `process ${type}`).map((s) => s.attributes["x.outcome"]);
    expect(outcome("charge_card")).toEqual(["buried"]);
    expect(outcome("flash_sale")).toEqual(["expired"]);

    // The metrics: exported once more at shutdown, so a run shorter than the interval has them all.
    const byType = (metric: string): Record<string, number> =>
      Object.fromEntries(
        receiver.points(metric).map((p) => {
          expect(p.attributes["messaging.system"]).toBe("file");
          expect(p.service).toBe("jobs-demo");
          return [String(p.attributes["messaging.destination.name"]), p.value];
        }),
      );
    expect(byType("x.jobs.enqueued")).toEqual({ send_email: 5, resize_image: 2, charge_card: 1, send_reminder: 1, flash_sale: 1 });
    expect(byType("x.jobs.succeeded")).toEqual({ send_email: 4, resize_image: 2, queue_report: 2, send_reminder: 1 });
    expect(byType("x.jobs.failed")).toEqual({ resize_image: 4, charge_card: 1 });
    expect(byType("x.jobs.retried")).toEqual({ resize_image: 4 });
    expect(byType("x.jobs.buried")).toEqual({ charge_card: 1, send_email: 1 });
    expect(byType("x.jobs.expired")).toEqual({ flash_sale: 1 });
    expect(byType("x.job.duration")).toEqual({
      send_email: 5,
      resize_image: 6,
      charge_card: 1,
      flash_sale: 1,
      queue_report: 2,
      send_reminder: 1,
    });
  });

  it("a SIGTERM while the worker runs: the worker stops, the demo ends, and every span made is exported before the exit", async () => {
    await using receiver = await startOtlpReceiver();
    const child = startApp([], envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "billing" }));
    const exited = exitOf(child);
    // Printed after the last enqueue; the worker starts (and listens to signals) in the same tick.
    await outputUntil(child, /^producer: enqueued 10 jobs$/m);
    child.kill("SIGTERM");
    const [code, signal] = await exited;
    // The worker's own shutdown: it stops early, so the outcomes are not the expected ones.
    expect([code, signal]).toEqual([1, null]);
    const spans = receiver.spans();
    expect(spans.filter((s) => s.kind === PRODUCER)).toHaveLength(10);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["billing"]));
    expect(receiver.points("x.jobs.enqueued").reduce((sum, p) => sum + p.value, 0)).toBe(10);
  });

  it("a SIGTERM nothing else listens to: what is buffered is exported, then the signal ends the process", async () => {
    await using receiver = await startOtlpReceiver();
    const child = spawn(process.execPath, ["--import", "tsx", "test/signal-fixture.ts"], {
      cwd: APP_DIR,
      env: envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = exitOf(child);
    await outputUntil(child, /^ready$/m);
    child.kill("SIGTERM");
    expect(await exited).toEqual([null, "SIGTERM"]);
    expect(receiver.spans().map((s) => [s.name, s.service])).toEqual([["made before the signal", "signal-fixture"]]);
  });

  it("X_METRICS_PORT: a Prometheus scrape shows the x_jobs_* counters and histograms; the endpoint stays until SIGTERM", async () => {
    const port = await freePort();
    const child = startApp([], envWith({ X_METRICS_PORT: `127.0.0.1:${port}` }));
    const exited = exitOf(child);
    const { stdout, stderr } = await outputUntil(child, /answers until SIGINT or SIGTERM/);
    expectTheStory(stdout);
    expect(stderr.trimEnd().split("\n")).toEqual([
      `telemetry: metrics for Prometheus at http://127.0.0.1:${port}/metrics; service.name jobs-demo`,
      `telemetry: the run is over; http://127.0.0.1:${port}/metrics answers until SIGINT or SIGTERM`,
    ]);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const type = (name: string) => `messaging_destination_name="${name}"`;
    const file = 'messaging_system="file"';
    // Metrics alone, no tracer: the producer's enqueues are counted all the same.
    expect(sample(text, "x_jobs_enqueued_total", type("send_email"), file)).toBe(5);
    expect(sample(text, "x_jobs_started_total", type("resize_image"), file)).toBe(6);
    expect(sample(text, "x_jobs_succeeded_total", type("send_email"), file)).toBe(4);
    expect(sample(text, "x_jobs_failed_total", type("resize_image"), file)).toBe(4);
    expect(sample(text, "x_jobs_retried_total", type("resize_image"), file)).toBe(4);
    expect(sample(text, "x_jobs_buried_total", type("charge_card"), file)).toBe(1);
    expect(sample(text, "x_jobs_expired_total", type("flash_sale"), file)).toBe(1);
    expect(sample(text, "x_job_duration_count", type("resize_image"), file)).toBe(6);
    expect(sample(text, "x_job_wait_time_count", type("send_email"), file)).toBe(5);
    expect(text).toContain("# TYPE x_job_duration histogram");
    expect(sample(text, "x_heartbeat_beats_sent_total", 'x_heartbeat_kind="stop"')).toBe(1);

    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it("refuses a bad value at start with one line naming the variable, before the demo runs", async () => {
    for (const [variable, value] of [
      ["X_METRICS_PORT", "ninety"],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"],
    ] as const) {
      const { code, stdout, stderr } = await runApp([], envWith({ [variable]: value }));
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`^${variable} must be .*, got "${value}"\\n$`));
    }
  });

  it("refuses a metrics port another process holds, naming the variable", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as { port: number };
    try {
      const { code, stdout, stderr } = await runApp([], envWith({ X_METRICS_PORT: `127.0.0.1:${port}` }));
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(`X_METRICS_PORT: cannot listen on 127.0.0.1 port ${port} (EADDRINUSE)\n`);
    } finally {
      holder.close();
    }
  });
});
