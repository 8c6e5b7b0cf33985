export { metricsActive, otelApi, setApiLoader, setTelemetryEnabled, telemetryActive, tracingActive } from "./api.js";
export type {
  ApiLoader,
  AttributeMap,
  AttributeValue,
  GaugeCallback,
  HeaderCarrier,
  InstrumentKind,
  InstrumentSpec,
  Instruments,
  MessagingOperationType,
  OtelApi,
  Outcome,
  SpanKindName,
  SpanScope,
  StartSpanOptions,
} from "./index-types.js";
export { createInstruments } from "./metrics.js";
export { extractTraceContext, injectTraceContext, traceparentProblem } from "./propagation.js";
export {
  ATTR,
  DURATION_BUCKETS_S,
  EVENT_INSTRUMENTS,
  HEARTBEAT_INSTRUMENTS,
  JOB_INSTRUMENTS,
  messagingSpanName,
  PROBE_INSTRUMENTS,
  SCOPE,
  SPAN,
  TRACE_HEADERS,
} from "./schema.js";
export { activeTraceFields, startSpan, traceFields } from "./tracing.js";
