import { describe, expect, it } from "vitest";
import { DEFAULT_METRIC_EXPORT_INTERVAL_MS, TelemetrySettingError, telemetrySettings } from "../src/telemetry.js";

const settings = (env: NodeJS.ProcessEnv) => telemetrySettings(env, "webshop");

describe("telemetrySettings: one variable switches export on", () => {
  it("is off when neither OTEL_EXPORTER_OTLP_ENDPOINT nor X_METRICS_PORT is set, or when OTEL_SDK_DISABLED=true", () => {
    expect(settings({})).toBeUndefined();
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: " ", X_METRICS_PORT: "", OTEL_SERVICE_NAME: "billing" })).toBeUndefined();
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "TRUE" })).toBeUndefined();
  });

  it("OTEL_EXPORTER_OTLP_ENDPOINT alone: OTLP/HTTP, the app's service name, the standard metric interval", () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toEqual({
      otlpEndpoint: "http://127.0.0.1:4318",
      prometheus: undefined,
      serviceName: "webshop",
      metricExportIntervalMs: DEFAULT_METRIC_EXPORT_INTERVAL_MS,
    });
    expect(
      settings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example.com",
        OTEL_SERVICE_NAME: "billing-worker",
        OTEL_METRIC_EXPORT_INTERVAL: "5000",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      }),
    ).toMatchObject({ serviceName: "billing-worker", metricExportIntervalMs: 5_000 });
  });

  it("X_METRICS_PORT alone: a Prometheus endpoint on every interface, or on the host given before the port", () => {
    expect(settings({ X_METRICS_PORT: "9464" })).toMatchObject({ otlpEndpoint: undefined, prometheus: { host: undefined, port: 9464 } });
    expect(settings({ X_METRICS_PORT: "127.0.0.1:9464" })?.prometheus).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(settings({ X_METRICS_PORT: "[::1]:9464" })?.prometheus).toEqual({ host: "::1", port: 9464 });
    expect(settings({ X_METRICS_PORT: "9464", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toMatchObject({
      otlpEndpoint: "http://127.0.0.1:4318",
      prometheus: { port: 9464 },
    });
  });

  it("refuses a value it cannot use with one line naming the variable", () => {
    const refused = (env: NodeJS.ProcessEnv): TelemetrySettingError => {
      try {
        settings(env);
      } catch (error) {
        if (error instanceof TelemetrySettingError) return error;
        throw error;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    for (const port of ["abc", "0", "65536", "9464x", "host:", ":9464", "1.2.3.4:99999"]) {
      const error = refused({ X_METRICS_PORT: port });
      expect(error.variable).toBe("X_METRICS_PORT");
      expect(error.code).toBe("ERR_X_APP_TELEMETRY_SETTING");
      expect(error.message).toBe(
        `X_METRICS_PORT must be a port from 1 to 65535, optionally after a host (9464, 127.0.0.1:9464), got "${port}"`,
      );
    }
    for (const endpoint of ["127.0.0.1:4318", "localhost", "grpc://collector:4317", "http//x"]) {
      expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).message).toBe(
        `OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, such as http://127.0.0.1:4318 (a collector's OTLP/HTTP port), got "${endpoint}"`,
      );
    }
    const endpoint = "http://127.0.0.1:4318";
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "nope" }).variable).toBe(
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    );
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).message).toBe(
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or unset (this app sends OTLP as JSON over HTTP), got "grpc"',
    );
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf" }).variable).toBe(
      "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    );
    for (const interval of ["0", "-5", "1.5", "soon"]) {
      expect(refused({ X_METRICS_PORT: "9464", OTEL_METRIC_EXPORT_INTERVAL: interval }).variable).toBe("OTEL_METRIC_EXPORT_INTERVAL");
    }
  });
});
