export type { ApiLoader, OtelApi } from "./api.js";
export type { GaugeCallback, Instruments } from "./metrics.js";
export type { HeaderCarrier } from "./propagation.js";
export type { InstrumentKind, InstrumentSpec, MessagingOperationType, Outcome } from "./schema.js";
export type { AttributeMap, AttributeValue, SpanKindName, SpanScope, StartSpanOptions } from "./tracing.js";
