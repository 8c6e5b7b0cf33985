import type { Attributes, Context, Span, Tracer, TracerProvider } from "@opentelemetry/api";
import type { Logger } from "@x/core";
import { apiGeneration, type OtelApi, otelApi, tracingActive } from "./api.js";
import { extractTraceContext, type HeaderCarrier, injectTraceContext } from "./propagation.js";

/** A span's kind, as the messaging conventions use them. */
export type SpanKindName = "producer" | "consumer" | "client" | "internal";

/** An attribute value: bounded scalars only (payloads are never attributes). */
export type AttributeValue = string | number | boolean;

/** Attributes of a span or a measurement. */
export type AttributeMap = Readonly<Record<string, AttributeValue | undefined>>;

/** Options of {@link startSpan}. */
export interface StartSpanOptions {
  readonly kind?: SpanKindName;
  readonly attributes?: AttributeMap;
  /**
   * Continue the trace carried in these headers (a job's header, an event's NATS headers) rather
   * than the active context: a consumer's span. Malformed trace headers start a new trace.
   */
  readonly parentHeaders?: Readonly<HeaderCarrier>;
  /** Where the debug line about a malformed `traceparent` goes. */
  readonly logger?: Logger;
}

/** A started span, with what the instrumented code needs and nothing of the SDK. */
export interface SpanScope {
  /** Whether an SDK records this span: when false, attributes are not worth computing. */
  readonly recording: boolean;
  /** The trace id (32 hex digits), for log fields. */
  readonly traceId: string;
  /** The span id (16 hex digits), for log fields. */
  readonly spanId: string;
  /** Runs `fn` with this span active: spans started and headers injected inside are its children. */
  run<T>(fn: () => T): T;
  /** Sets one attribute (ignored when not recording). */
  setAttribute(key: string, value: AttributeValue): void;
  /** Writes this span's `traceparent`/`tracestate` into `carrier`. */
  inject<C extends HeaderCarrier>(carrier: C): C;
  /** Ends the span; with an error, records it as an exception and sets the status to error. */
  end(error?: unknown): void;
  /** Starts a child span of this one. */
  child(name: string, options?: Omit<StartSpanOptions, "parentHeaders">): SpanScope;
}

const KINDS = { internal: "INTERNAL", client: "CLIENT", producer: "PRODUCER", consumer: "CONSUMER" } as const;

let cache: { generation: number; provider: TracerProvider; tracers: Map<string, Tracer> } | undefined;

function tracerFor(scope: string): Tracer | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  // The proxy provider itself is replaced when the API is disabled and set up again (tests, restarts).
  const provider = api.trace.getTracerProvider();
  if (cache?.generation !== apiGeneration() || cache.provider !== provider) {
    cache = { generation: apiGeneration(), provider, tracers: new Map() };
  }
  let tracer = cache.tracers.get(scope);
  if (tracer === undefined) {
    // The global provider is a proxy: a tracer taken before the SDK is registered starts recording once it is.
    tracer = api.trace.getTracer(scope);
    cache.tracers.set(scope, tracer);
  }
  return tracer;
}

function definedAttributes(attributes: AttributeMap | undefined): Attributes | undefined {
  if (attributes === undefined) return undefined;
  const defined: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) defined[key] = value;
  return defined;
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : typeof error;
}

class Scope implements SpanScope {
  readonly #span: Span;
  readonly #context: Context;
  readonly #scope: string;
  readonly #api: OtelApi;
  #ended = false;

  constructor(api: OtelApi, span: Span, context: Context, scope: string) {
    this.#api = api;
    this.#span = span;
    this.#context = context;
    this.#scope = scope;
  }

  get recording(): boolean {
    return this.#span.isRecording();
  }

  get traceId(): string {
    return this.#span.spanContext().traceId;
  }

  get spanId(): string {
    return this.#span.spanContext().spanId;
  }

  run<T>(fn: () => T): T {
    return this.#api.context.with(this.#context, fn);
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.#span.setAttribute(key, value);
  }

  inject<C extends HeaderCarrier>(carrier: C): C {
    return injectTraceContext(carrier, this.#context);
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined && this.#span.isRecording()) {
      this.#span.setAttribute("error.type", errorType(error));
      if (error instanceof Error) this.#span.recordException(error);
      this.#span.setStatus({
        code: this.#api.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : errorType(error),
      });
    }
    this.#span.end();
  }

  child(name: string, options: Omit<StartSpanOptions, "parentHeaders"> = {}): SpanScope {
    return open(this.#scope, name, options, this.#context) ?? this;
  }
}

function open(scope: string, name: string, options: StartSpanOptions, parent: Context | undefined): SpanScope | undefined {
  if (!tracingActive()) return undefined;
  const api = otelApi();
  const tracer = tracerFor(scope);
  if (api === undefined || tracer === undefined) return undefined;
  const base =
    parent ?? (options.parentHeaders === undefined ? api.context.active() : extractTraceContext(options.parentHeaders, options.logger));
  const attributes = definedAttributes(options.attributes);
  const kind = api.SpanKind[KINDS[options.kind ?? "internal"]];
  const span = tracer.startSpan(name, attributes === undefined ? { kind } : { kind, attributes }, base);
  return new Scope(api, span, api.trace.setSpan(base ?? api.context.active(), span), scope);
}

/**
 * Starts a span of instrumentation `scope` (a package name), as a child of the active span, or of
 * the trace in `parentHeaders`. `undefined` when `@opentelemetry/api` is not installed or no tracer
 * provider is registered: there is nothing to record, and nothing to propagate either.
 */
export function startSpan(scope: string, name: string, options: StartSpanOptions = {}): SpanScope | undefined {
  return open(scope, name, options, undefined);
}

/** Log fields of the active span (`traceId`, `spanId`), or `undefined` when none is active or recording. */
export function activeTraceFields(): { readonly traceId: string; readonly spanId: string } | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const span = api.trace.getActiveSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId } = span.spanContext();
  return api.isSpanContextValid(span.spanContext()) ? { traceId, spanId } : undefined;
}

/** Log fields of `span` (`traceId`, `spanId`), or `undefined` for no span or a span without a valid context. */
export function traceFields(span: SpanScope | undefined): { readonly traceId: string; readonly spanId: string } | undefined {
  if (span === undefined) return undefined;
  const { traceId, spanId } = span;
  return traceId === "00000000000000000000000000000000" ? undefined : { traceId, spanId };
}
