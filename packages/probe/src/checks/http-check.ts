import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { checkOptionKeys } from "@x/core";
import type { Check, CheckContext, CheckFailure, CheckOutput } from "../contract.js";
import { InvalidOptionError } from "../errors.js";
import { numberOption, stringOption, stringRecordOption } from "../internal/options.js";
import { createMessage } from "../message/build.js";
import type { ProbeMessage } from "../message/types.js";
import { BaseCheck, CHECK_OPTION_KEYS, type CheckOptions } from "./base-check.js";

/** Largest response body read for `bodyMatch`, by default: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Aspect of HTTP check messages when the options give none. */
export const DEFAULT_HTTP_ASPECT = "http";

/** Options for {@link httpCheck}. */
export interface HttpCheckOptions extends CheckOptions {
  /** @default DEFAULT_HTTP_ASPECT */
  readonly aspect?: string;
  /** HTTP method. @default "GET" */
  readonly method?: string;
  /** Request headers. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses that count as up: a list, or a predicate. @default any 2xx */
  readonly expectStatus?: readonly number[] | ((status: number) => boolean);
  /** The body must match this (a substring or a regular expression). @default none */
  readonly bodyMatch?: string | RegExp;
  /** Largest body read (bytes); a longer body is cut there before matching. @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

interface Observation {
  readonly status: number | null;
  readonly latencyMs: number | null;
  readonly problem: string | undefined;
}

/**
 * Requests a URL on schedule and reports `ok`/`expected` when the status is expected (and the
 * body matches), `critical`/`error` otherwise, with the values `latency` (ms, until the whole
 * body was read) and `status`. A new connection is made for every run, so the latency includes
 * the connect time and no socket outlives the run.
 */
export class HttpCheck extends BaseCheck {
  /** The URL requested. */
  readonly url: URL;
  /** The aspect of its messages (`event.name`). */
  override readonly aspect: string;
  readonly #method: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #expect: (status: number) => boolean;
  readonly #bodyMatch: string | RegExp | undefined;
  readonly #maxBodyBytes: number;

  constructor(url: string | URL, options: HttpCheckOptions) {
    super(options);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new InvalidOptionError("url", url, "is not a URL", { cause: error });
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new InvalidOptionError("url", url, "must be http: or https:");
    this.url = parsed;
    this.aspect = options.aspect ?? DEFAULT_HTTP_ASPECT;
    this.#method = stringOption("method", options.method, "GET").toUpperCase();
    this.#headers = stringRecordOption("headers", options.headers);
    const expect = options.expectStatus;
    if (expect === undefined) this.#expect = (status) => status >= 200 && status < 300;
    else if (typeof expect === "function") this.#expect = expect;
    else if (Array.isArray(expect)) this.#expect = (status) => expect.includes(status);
    else throw new InvalidOptionError("expectStatus", expect, "must be a list of statuses or a function");
    if (options.bodyMatch !== undefined && typeof options.bodyMatch !== "string" && !(options.bodyMatch instanceof RegExp)) {
      throw new InvalidOptionError("bodyMatch", options.bodyMatch, "must be a string or a RegExp");
    }
    this.#bodyMatch = options.bodyMatch;
    this.#maxBodyBytes = numberOption("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0);
  }

  protected defaultName(): string {
    return `${this.#method} ${this.url.href}`;
  }

  /** Requests the URL once and reports what came back. */
  async run(context: CheckContext): Promise<CheckOutput> {
    this.markRun(context);
    return this.#message(await this.#observe(context.signal));
  }

  /** A timed-out request is `critical`, like a refused one. */
  failureMessages(failure: CheckFailure): ProbeMessage {
    return this.#message({
      status: null,
      latencyMs: null,
      problem: failure.kind === "timeout" ? failure.error.message : `check failed: ${failure.error.message}`,
    });
  }

  #message(o: Observation): ProbeMessage {
    return createMessage({
      aspect: this.aspect,
      location: this.location,
      state: o.problem === undefined ? "ok" : "critical",
      severity: o.problem === undefined ? "expected" : "error",
      values: { latency: { value: o.latencyMs, unit: "ms" }, status: o.status },
      ...(o.problem === undefined ? {} : { comment: o.problem }),
    });
  }

  async #observe(signal: AbortSignal): Promise<Observation> {
    const started = performance.now();
    const request = this.url.protocol === "https:" ? httpsRequest : httpRequest;
    let response: IncomingMessage;
    let body: string;
    try {
      ({ response, body } = await new Promise<{ response: IncomingMessage; body: string }>((resolve, reject) => {
        const req = request(this.url, { method: this.#method, headers: this.#headers, agent: false, signal }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            if (size < this.#maxBodyBytes) chunks.push(chunk);
            size += chunk.length;
          });
          res.once("end", () => {
            resolve({ response: res, body: Buffer.concat(chunks).subarray(0, this.#maxBodyBytes).toString("utf8") });
          });
          res.once("error", reject);
        });
        req.once("error", reject);
        req.end();
      }));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      return { status: null, latencyMs: null, problem: (error as Error).message };
    }
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const status = response.statusCode ?? null;
    let problem: string | undefined;
    if (status === null || !this.#expect(status)) problem = `unexpected status ${String(status)}`;
    else if (this.#bodyMatch !== undefined && !matches(body, this.#bodyMatch)) problem = `body does not match ${String(this.#bodyMatch)}`;
    return { status, latencyMs, problem };
  }
}

function matches(body: string, pattern: string | RegExp): boolean {
  if (typeof pattern === "string") return body.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(body);
}

/**
 * A check that requests `url` every `options.intervalMs`.
 *
 * @example
 * ```ts
 * const site = httpCheck("http://127.0.0.1:8080/health", { intervalMs: 30_000, bodyMatch: /ok/ });
 * ```
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions): Check {
  checkOptionKeys(options, [...CHECK_OPTION_KEYS, "method", "headers", "expectStatus", "bodyMatch", "maxBodyBytes"], "httpCheck");
  return new HttpCheck(url, options);
}
