// The parcel-sent story end to end: `NATS_URL=nats://127.0.0.1:4222 pnpm start`, or on a
// three-node cluster `NATS_URL=nats://a:4222,nats://b:4222,nats://c:4222 WEBSHOP_REPLICAS=3 pnpm start`.
// With `OTEL_EXPORTER_OTLP_ENDPOINT` or `X_METRICS_PORT` set, it exports traces and metrics (see
// `src/telemetry.ts`).
import { startTelemetry, TelemetrySettingError } from "./telemetry.js";

const telemetry = await startTelemetry("webshop").catch((error: unknown) => {
  if (!(error instanceof TelemetrySettingError)) throw error;
  console.error(error.message);
  process.exit(1);
});
if (telemetry !== undefined) console.error(telemetry.description);
try {
  // Loaded once the SDK is registered, so nothing of the shop runs before it.
  const { runStory } = await import("./story.js");
  await runStory(process.env);
  await telemetry?.keepServingMetrics((line) => {
    console.error(line);
  });
} finally {
  await telemetry?.shutdown();
}
