/**
 * `pnpm demo`: runs the main job once and exits 0 when every job ended as expected. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `X_METRICS_PORT` set, it exports traces and metrics (see
 * `src/telemetry.ts`).
 */
import { startTelemetry, TelemetrySettingError } from "./telemetry.js";

const telemetry = await startTelemetry("jobs-demo").catch((error: unknown) => {
  if (!(error instanceof TelemetrySettingError)) throw error;
  console.error(error.message);
  process.exit(1);
});
if (telemetry !== undefined) console.error(telemetry.description);
try {
  // Loaded once the SDK is registered, so nothing of the demo runs before it.
  const { asExpected, runDemo } = await import("./demo.js");
  const summary = await runDemo();
  if (asExpected(summary)) {
    console.log("demo: every job ended as expected");
  } else {
    console.error("demo: the outcomes differ from what the demo expects (see the summary above)");
    process.exitCode = 1;
  }
  await telemetry?.keepServingMetrics((line) => {
    console.error(line);
  });
} finally {
  await telemetry?.shutdown();
}
