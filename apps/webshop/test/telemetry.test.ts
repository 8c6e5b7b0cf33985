import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startNatsServer } from "./nats-server.js";
import { startOtlpReceiver } from "./otlp-receiver.js";
import { APP_DIR, runApp, startApp } from "./run-app.js";

/** OTLP's span kinds. */
const PRODUCER = 4;
const CONSUMER = 5;

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

const STORY = [
  "email to ada@example.com: Your order o-1 is on its way",
  "email to grace@example.com: Your order o-2 is on its way",
  "email to linus@example.com: Your order o-3 is on its way",
  "sms to +44000000000: Parcel p-1 is on its way with DHL.",
  "sms to +44000000001: Parcel p-2 is on its way with DHL.",
  "sms to +44000000002: Parcel p-3 is on its way with DHL.",
];

describe("webshop exports traces and metrics when one variable says where", () => {
  it("OTEL_EXPORTER_OTLP_ENDPOINT: each parcel's trace (the emit, both actors' handler runs) and the event metrics reach an OTLP/HTTP receiver", async () => {
    await using server = await startNatsServer();
    await using receiver = await startOtlpReceiver();
    const { code, stdout, stderr } = await runApp([], envWith({ NATS_URL: server.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }));
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split("\n").sort()).toEqual(STORY);
    expect(stderr).toBe(`telemetry: traces and metrics over OTLP/HTTP (JSON) to ${receiver.endpoint}; service.name webshop\n`);
    expect(new Set(receiver.requests.map((r) => `${r.path} ${r.contentType}`))).toEqual(
      new Set(["/v1/traces application/json", "/v1/metrics application/json"]),
    );

    const spans = receiver.spans();
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["webshop"]));
    const emits = spans.filter((s) => s.kind === PRODUCER);
    expect(emits.map((s) => [s.name, s.parentSpanId, s.attributes["messaging.message.id"]]).sort()).toEqual([
      ["send parcel-sent", "", "parcel-sent:p-1"],
      ["send parcel-sent", "", "parcel-sent:p-2"],
      ["send parcel-sent", "", "parcel-sent:p-3"],
    ]);
    for (const emit of emits) {
      expect(emit.attributes).toMatchObject({ "messaging.system": "nats", "messaging.operation.name": "emit" });
      // One trace per parcel: the emit, and under it one handler run of each actor.
      const trace = spans.filter((s) => s.traceId === emit.traceId);
      const runs = trace.filter((s) => s.kind === CONSUMER);
      expect(trace).toHaveLength(3);
      expect(
        runs.map((r) => [r.name, r.parentSpanId, r.attributes["messaging.consumer.group.name"], r.attributes["x.outcome"]]).sort(),
      ).toEqual([
        ["process parcel-sent", emit.spanId, "send-email", "succeeded"],
        ["process parcel-sent", emit.spanId, "send-sms", "succeeded"],
      ]);
      for (const run of runs) expect(run.attributes["messaging.message.id"]).toBe(emit.attributes["messaging.message.id"]);
    }

    const points = (metric: string) =>
      receiver
        .points(metric)
        .map((p) => [p.attributes["messaging.destination.name"], p.attributes["messaging.consumer.group.name"], p.value, p.service])
        .sort();
    expect(points("x.events.emitted")).toEqual([["parcel-sent", undefined, 3, "webshop"]]);
    expect(points("x.events.handled")).toEqual([
      ["parcel-sent", "send-email", 3, "webshop"],
      ["parcel-sent", "send-sms", 3, "webshop"],
    ]);
    expect(points("x.event.handler.duration")).toEqual([
      ["parcel-sent", "send-email", 3, "webshop"],
      ["parcel-sent", "send-sms", 3, "webshop"],
    ]);
    expect(points("x.events.retried")).toEqual([]);
    expect(points("x.events.dead_lettered")).toEqual([]);
  });

  it("X_METRICS_PORT: a Prometheus scrape shows the x_events_* counters and the handler durations; the endpoint stays until SIGTERM", async () => {
    await using server = await startNatsServer();
    const port = await freePort();
    const child = startApp([], envWith({ NATS_URL: server.url, X_METRICS_PORT: `127.0.0.1:${port}` }));
    const exited = exitOf(child);
    const { stdout, stderr } = await outputUntil(child, /answers until SIGINT or SIGTERM/);
    expect(stdout.trim().split("\n").sort()).toEqual(STORY);
    expect(stderr.trimEnd().split("\n")).toEqual([
      `telemetry: metrics for Prometheus at http://127.0.0.1:${port}/metrics; service.name webshop`,
      `telemetry: the run is over; http://127.0.0.1:${port}/metrics answers until SIGINT or SIGTERM`,
    ]);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const event = 'messaging_destination_name="parcel-sent"';
    const nats = 'messaging_system="nats"';
    expect(sample(text, "x_events_emitted_total", event, nats)).toBe(3);
    for (const actor of ["send-email", "send-sms"]) {
      const group = `messaging_consumer_group_name="${actor}"`;
      expect(sample(text, "x_events_handled_total", event, nats, group)).toBe(3);
      expect(sample(text, "x_event_handler_duration_count", event, nats, group)).toBe(3);
    }
    expect(text).toContain("# TYPE x_event_handler_duration histogram");
    expect(text).toContain('target_info{service_name="webshop"');

    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
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

  it("refuses a bad value at start with one line naming the variable, before connecting to NATS", async () => {
    for (const [variable, value] of [
      ["X_METRICS_PORT", "ninety"],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"],
    ] as const) {
      // No NATS_URL's server runs here: the check comes first.
      const { code, stdout, stderr } = await runApp([], envWith({ NATS_URL: "nats://127.0.0.1:1", [variable]: value }));
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`^${variable} must be .*, got "${value}"\\n$`));
    }
  });
});
