/**
 * A process with telemetry on and nothing else listening to signals: it makes one span, says
 * "ready" and waits. The test sends SIGTERM and expects the span exported before the signal ends it.
 */
import { trace } from "@opentelemetry/api";
import { startTelemetry } from "../src/telemetry.js";

await startTelemetry("signal-fixture");
trace.getTracer("fixture").startSpan("made before the signal").end();
setInterval(() => undefined, 1 << 30);
console.log("ready");
