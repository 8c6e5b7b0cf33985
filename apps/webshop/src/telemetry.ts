/**
 * Export of traces and metrics, switched on by one environment variable and off by default:
 *
 * - `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`: traces and metrics over OTLP/HTTP (JSON)
 *   to an OpenTelemetry Collector (or Jaeger, Grafana, Honeycomb, ...).
 * - `X_METRICS_PORT=9464` (or `127.0.0.1:9464`): a Prometheus scrape endpoint, `GET /metrics`.
 *
 * Neither set: nothing is loaded and nothing registered. The `@x` packages report to whatever is
 * registered here; this file is the only place that knows about the SDK.
 */
import type { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

/** The variables this file reads; only the first two switch export on. */
export const TELEMETRY_VARIABLES = {
  otlpEndpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  metricsPort: "X_METRICS_PORT",
  serviceName: "OTEL_SERVICE_NAME",
  disabled: "OTEL_SDK_DISABLED",
  metricExportInterval: "OTEL_METRIC_EXPORT_INTERVAL",
} as const;

/** The OTLP exporters installed here send JSON over HTTP; the protocol variables may only say so. */
const PROTOCOL_VARIABLES = ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"];
/** Read by the exporters themselves when set; checked here so a typo fails at start, not at the first export. */
const SIGNAL_ENDPOINT_VARIABLES = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

/** OpenTelemetry's default for `OTEL_METRIC_EXPORT_INTERVAL`. */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
/** How long one OTLP metric export may take, at most (never more than the interval). */
const METRIC_EXPORT_TIMEOUT_MS = 30_000;
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** A telemetry variable with a value the app cannot use; `main.ts` prints the message and exits 1. */
export class TelemetrySettingError extends Error {
  readonly code = "ERR_X_APP_TELEMETRY_SETTING";
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.name = "TelemetrySettingError";
    this.variable = variable;
  }
}

/** What the environment asks for; `undefined` from {@link telemetrySettings} means off. */
export interface TelemetrySettings {
  /** Where OTLP/HTTP goes (`/v1/traces` and `/v1/metrics` are appended by the exporters). */
  readonly otlpEndpoint: string | undefined;
  /** The Prometheus endpoint: the interface (every one when `undefined`) and the port. */
  readonly prometheus: { readonly host: string | undefined; readonly port: number } | undefined;
  /** `service.name` of every span and metric. */
  readonly serviceName: string;
  /** How often metrics are pushed over OTLP (and once more at shutdown). */
  readonly metricExportIntervalMs: number;
}

function httpUrl(variable: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TelemetrySettingError(
      variable,
      `${variable} must be an http:// or https:// URL, such as http://127.0.0.1:4318 (a collector's OTLP/HTTP port), got "${value}"`,
    );
  }
  return value;
}

function listenAddress(variable: string, value: string): { host: string | undefined; port: number } {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || !(port >= 1 && port <= 65_535)) {
    throw new TelemetrySettingError(
      variable,
      `${variable} must be a port from 1 to 65535, optionally after a host (9464, 127.0.0.1:9464), got "${value}"`,
    );
  }
  return { host: match[1]?.replace(/^\[(.*)\]$/, "$1"), port };
}

/**
 * Reads the telemetry variables. `undefined` when export is off: neither
 * `OTEL_EXPORTER_OTLP_ENDPOINT` nor `X_METRICS_PORT` is set, or `OTEL_SDK_DISABLED=true`.
 * @throws TelemetrySettingError naming the variable whose value cannot be used.
 */
export function telemetrySettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TelemetrySettings | undefined {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === "" ? undefined : raw;
  };
  const endpoint = value(TELEMETRY_VARIABLES.otlpEndpoint);
  const port = value(TELEMETRY_VARIABLES.metricsPort);
  if (value(TELEMETRY_VARIABLES.disabled)?.toLowerCase() === "true" || (endpoint === undefined && port === undefined)) return undefined;
  if (endpoint !== undefined) {
    for (const name of PROTOCOL_VARIABLES) {
      const protocol = value(name);
      if (protocol !== undefined && protocol !== "http/json") {
        throw new TelemetrySettingError(
          name,
          `${name} must be http/json or unset (this app sends OTLP as JSON over HTTP), got "${protocol}"`,
        );
      }
    }
    for (const name of SIGNAL_ENDPOINT_VARIABLES) {
      const url = value(name);
      if (url !== undefined) httpUrl(name, url);
    }
  }
  const interval = value(TELEMETRY_VARIABLES.metricExportInterval);
  if (interval !== undefined && !/^[1-9]\d*$/.test(interval)) {
    throw new TelemetrySettingError(
      TELEMETRY_VARIABLES.metricExportInterval,
      `${TELEMETRY_VARIABLES.metricExportInterval} must be a whole number of milliseconds above 0, got "${interval}"`,
    );
  }
  return {
    otlpEndpoint: endpoint === undefined ? undefined : httpUrl(TELEMETRY_VARIABLES.otlpEndpoint, endpoint),
    prometheus: port === undefined ? undefined : listenAddress(TELEMETRY_VARIABLES.metricsPort, port),
    serviceName: value(TELEMETRY_VARIABLES.serviceName) ?? defaultServiceName,
    metricExportIntervalMs: interval === undefined ? DEFAULT_METRIC_EXPORT_INTERVAL_MS : Number(interval),
  };
}

/** An SDK log argument in one line: an error (or the JSON the SDK makes of one) by its message. */
function firstLine(value: unknown): string {
  if (value instanceof Error) return value.message;
  const text = String(value);
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // not JSON after all: shown as it is
    }
  }
  return text.split("\n")[0] ?? "";
}

/** The registered SDK. */
export interface Telemetry {
  readonly settings: TelemetrySettings;
  /** `http://host:port/metrics` when the Prometheus endpoint is on. */
  readonly metricsUrl: string | undefined;
  /** One line for the operator: where the telemetry goes, under which service name. */
  readonly description: string;
  /**
   * With the Prometheus endpoint on, waits for SIGINT or SIGTERM (a scrape needs a live process),
   * calling `announce` with a line saying so; resolves at once otherwise.
   */
  keepServingMetrics(announce: (line: string) => void): Promise<void>;
  /** Exports what is still buffered (spans, a last round of metrics), then stops. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK `process.env` asks for, or nothing (`undefined`). Call it before
 * anything else runs. The OTLP exporters also read the other standard `OTEL_EXPORTER_OTLP_*`
 * variables (headers, per-signal endpoints, certificates, timeout, compression) themselves.
 *
 * A SIGINT or SIGTERM that nothing else in the process listens to exports what is buffered before
 * the signal ends the process; when the app listens too (the worker does while it runs), the app
 * shuts down its own way and then calls {@link Telemetry.shutdown}.
 * @throws TelemetrySettingError for a value that cannot be used, or a metrics port that is taken.
 */
export async function startTelemetry(defaultServiceName: string): Promise<Telemetry | undefined> {
  const settings = telemetrySettings(process.env, defaultServiceName);
  if (settings === undefined) return undefined;

  const [api, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, resources, metricsSdk, traceSdk] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/sdk-trace-base"),
  ]);
  const report =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      console.error(`telemetry: ${level}: ${[message, ...args].map(firstLine).join(" ")}`);
    };
  const quiet = (): void => undefined;
  // Failed exports (a collector down, a refused request) show on stderr instead of vanishing.
  api.diag.setLogger({ error: report("error"), warn: report("warn"), info: quiet, debug: quiet, verbose: quiet }, api.DiagLogLevel.WARN);

  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": defaultServiceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const serviceName = String(resource.attributes["service.name"] ?? settings.serviceName);

  const readers: MetricReader[] = [];
  let tracerProvider: BasicTracerProvider | undefined;
  const where: string[] = [];
  if (settings.otlpEndpoint !== undefined) {
    const [{ OTLPTraceExporter }, { OTLPMetricExporter }] = await Promise.all([
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/exporter-metrics-otlp-http"),
    ]);
    tracerProvider = new traceSdk.BasicTracerProvider({
      resource,
      spanProcessors: [new traceSdk.BatchSpanProcessor(new OTLPTraceExporter())],
    });
    readers.push(
      new metricsSdk.PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: settings.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(METRIC_EXPORT_TIMEOUT_MS, settings.metricExportIntervalMs),
      }),
    );
    where.push(`traces and metrics over OTLP/HTTP (JSON) to ${settings.otlpEndpoint}`);
  }
  let metricsUrl: string | undefined;
  if (settings.prometheus !== undefined) {
    const { PrometheusExporter } = await import("@opentelemetry/exporter-prometheus");
    const { host, port } = settings.prometheus;
    const exporter = new PrometheusExporter({ ...(host === undefined ? {} : { host }), port, preventServerStart: true });
    try {
      await exporter.startServer();
    } catch (error) {
      throw new TelemetrySettingError(
        TELEMETRY_VARIABLES.metricsPort,
        `${TELEMETRY_VARIABLES.metricsPort}: cannot listen on ${host ?? "every interface"} port ${port} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    readers.push(exporter);
    metricsUrl = `http://${host === undefined ? "localhost" : host.includes(":") ? `[${host}]` : host}:${port}/metrics`;
    where.push(`metrics for Prometheus at ${metricsUrl}`);
  }
  const meterProvider: MeterProvider = new metricsSdk.MeterProvider({ resource, readers });

  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (tracerProvider !== undefined) api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, onLoneSignal);
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider.shutdown()]);
    })();
    return stopping;
  };
  let signalled = false;
  function onLoneSignal(signal: NodeJS.Signals): void {
    signalled = true;
    if (process.listenerCount(signal) > 1) return;
    // Nothing else handles it: export what is buffered, then let the signal end the process as usual.
    void shutdown().finally(() => process.kill(process.pid, signal));
  }
  for (const signal of SIGNALS) process.on(signal, onLoneSignal);

  return {
    settings,
    metricsUrl,
    description: `telemetry: ${where.join("; ")}; service.name ${serviceName}`,
    keepServingMetrics: async (announce) => {
      if (metricsUrl === undefined || signalled || stopping !== undefined) return;
      announce(`telemetry: the run is over; ${metricsUrl} answers until SIGINT or SIGTERM`);
      // The exporter's server does not hold the process open; this timer does, until a signal.
      const alive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          for (const signal of SIGNALS) process.off(signal, stop);
          resolve();
        };
        for (const signal of SIGNALS) process.on(signal, stop);
      });
      clearInterval(alive);
    },
    shutdown,
  };
}
