import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as OtelApiModule from "@opentelemetry/api";

/** The `@opentelemetry/api` module, when it is installed. */
export type OtelApi = typeof OtelApiModule;

/** Loads the API module; throws when it is not installed. */
export type ApiLoader = () => OtelApi;

/** Only the API itself missing counts: a file missing inside it is a broken install, and must show. */
function isApiMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes("'@opentelemetry/api'")
  );
}

const requireHere = createRequire(import.meta.url);
const API = "@opentelemetry/api";

/**
 * The package's CommonJS `main`, found from wherever the resolver pointed. Run with a `module`
 * condition (vitest passes its resolve conditions to Node), `require` picks the API's bundler-only
 * ESM build, whose extensionless imports Node cannot load.
 */
function requireMain(resolved: string): unknown {
  let dir = dirname(resolved);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name, main } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown; main?: unknown };
      if (name === API && typeof main === "string") return requireHere(join(dir, main));
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${API} above ${resolved}`);
    dir = parent;
  }
}

/**
 * The optional peer is loaded synchronously the first time a tracer or meter is asked for, and
 * only then: a package that imports `@x/telemetry` without the API installed must still load. The
 * CommonJS copy is as good as the ESM one: both register their providers on the same global.
 */
const defaultLoader: ApiLoader = () => {
  try {
    return requireHere(API) as OtelApi;
  } catch (error) {
    if (isApiMissing(error)) throw error;
    try {
      return requireMain(requireHere.resolve(API)) as OtelApi;
    } catch {
      throw error;
    }
  }
};

let loader: ApiLoader = defaultLoader;
let loaded: { readonly api: OtelApi | undefined } | undefined;

/**
 * The OpenTelemetry API, or `undefined` when `@opentelemetry/api` is not installed (or telemetry was
 * switched off with {@link setTelemetryEnabled}). Every helper goes through this, so without the
 * API every instrumentation call is a check of one variable.
 * @throws whatever loading the API throws, other than "module not found": a broken install is not hidden.
 */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = { api: loader() };
    } catch (error) {
      if (!isApiMissing(error)) throw error;
      loaded = { api: undefined };
    }
  }
  return loaded.api;
}

/**
 * Switches all `@x` telemetry off (`false`: as if `@opentelemetry/api` were not installed) or back
 * on (`true`: the API is loaded again on next use). For benchmarks, tests, and applications that
 * want none of it whatever is installed.
 */
export function setTelemetryEnabled(enabled: boolean): void {
  loaded = enabled ? undefined : { api: undefined };
  generation++;
}

/**
 * Replaces how the API is loaded (the test of a missing peer uses a loader that throws
 * `MODULE_NOT_FOUND`); without an argument, the real loader comes back. Cached instruments are
 * dropped.
 */
export function setApiLoader(custom?: ApiLoader): void {
  loader = custom ?? defaultLoader;
  loaded = undefined;
  generation++;
}

let generation = 0;

/** Changes whenever the API was switched or reloaded, so cached instruments know to rebuild. */
export function apiGeneration(): number {
  return generation;
}

/**
 * Where `@opentelemetry/api` 1.x keeps what an SDK registers (its global registry). Reading it
 * directly tells in one property lookup whether a tracer or meter provider is registered, whichever
 * copy of the API (CommonJS or ESM) registered it.
 */
const REGISTRY = Symbol.for("opentelemetry.js.api.1");

interface Registry {
  readonly trace?: unknown;
  readonly metrics?: unknown;
}

function registry(): Registry | undefined {
  return (globalThis as { [REGISTRY]?: Registry })[REGISTRY];
}

/**
 * Whether spans would be recorded: the API is there and a tracer provider is registered. Without
 * one every span is a no-op, so the instrumented code skips making them at all: that is what makes
 * "API installed, no SDK" cost next to nothing.
 */
export function tracingActive(): boolean {
  return otelApi() !== undefined && registry()?.trace !== undefined;
}

/** Whether measurements would be recorded: the API is there and a meter provider is registered. */
export function metricsActive(): boolean {
  return otelApi() !== undefined && registry()?.metrics !== undefined;
}

/** Whether anything of the telemetry would be recorded (see {@link tracingActive}, {@link metricsActive}). */
export function telemetryActive(): boolean {
  if (otelApi() === undefined) return false;
  const registered = registry();
  return registered !== undefined && (registered.trace !== undefined || registered.metrics !== undefined);
}
