import type { Context, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import type { Logger } from "@x/core";
import { otelApi } from "./api.js";

/** A header record: a job message's `header` (JSON values) or a NATS header record (strings). */
export type HeaderCarrier = Record<string, unknown>;

/** Longest `traceparent` read; W3C's version 00 is 55 characters, later versions may add fields. */
const MAX_TRACEPARENT_LENGTH = 256;
/** Longest `tracestate` read: W3C caps it at 32 members, which fits here; a longer one is dropped. */
const MAX_TRACESTATE_LENGTH = 1_024;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-[!-~]*)?$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** Why a `traceparent` was not used, or `undefined` when it is well-formed. */
export function traceparentProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "not a string";
  if (value.length > MAX_TRACEPARENT_LENGTH) return `longer than ${MAX_TRACEPARENT_LENGTH} characters`;
  const match = TRACEPARENT.exec(value);
  if (match === null) return "not version-traceid-spanid-flags in lowercase hex";
  if (match[1] === "ff") return "version ff is invalid";
  if (match[1] === "00" && value.length !== 55) return "version 00 has exactly four fields";
  if (match[2] === ZERO_TRACE_ID) return "the trace id is all zeros";
  if (match[3] === ZERO_SPAN_ID) return "the parent id is all zeros";
  return undefined;
}

const setter: TextMapSetter<HeaderCarrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

/** Reads only strings, and only the two trace headers that were found valid. */
function getterFor(traceparent: string, tracestate: string | undefined): TextMapGetter<HeaderCarrier> {
  return {
    keys: () => (tracestate === undefined ? ["traceparent"] : ["traceparent", "tracestate"]),
    get: (_carrier, key) => (key === "traceparent" ? traceparent : key === "tracestate" ? tracestate : undefined),
  };
}

/**
 * Writes the W3C `traceparent` (and `tracestate`) of `context` (the active context by default) into
 * `carrier` through the globally registered propagator, and returns `carrier`. Without the API, an
 * SDK, a propagator or a sampled span, nothing is written.
 */
export function injectTraceContext<C extends HeaderCarrier>(carrier: C, context?: Context): C {
  const api = otelApi();
  if (api === undefined) return carrier;
  api.propagation.inject(context ?? api.context.active(), carrier, setter);
  return carrier;
}

/**
 * The context a consumer continues from: the root context with the remote parent read from the
 * carrier's `traceparent`/`tracestate`. A missing header gives a new trace; a malformed or hostile
 * one (wrong shape, all-zero ids, oversize) too, with a debug line on `logger`: the message is
 * processed as usual, never rejected. `undefined` only without the API.
 */
export function extractTraceContext(carrier: Readonly<HeaderCarrier> | undefined, logger?: Logger): Context | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const root = api.ROOT_CONTEXT;
  const traceparent = carrier?.traceparent;
  if (traceparent === undefined) return root;
  const problem = traceparentProblem(traceparent);
  if (problem !== undefined) {
    logger?.debug({ problem, length: typeof traceparent === "string" ? traceparent.length : undefined }, "ignored a malformed traceparent");
    return root;
  }
  const rawState = carrier?.tracestate;
  const tracestate = typeof rawState === "string" && rawState.length <= MAX_TRACESTATE_LENGTH ? rawState : undefined;
  return api.propagation.extract(root, carrier ?? {}, getterFor(traceparent as string, tracestate));
}
