import type { Subscription } from "@nats-io/transport-node";
import type { TimerHandle } from "@x/core";
import { ASSET_TYPES, Assets } from "./assets.js";
import { BadRequestError, NotFoundError, UnsupportedError } from "./errors.js";
import { EventSource, seqParam } from "./events.js";
import { guardAction } from "./guard.js";
import { HeartbeatSource } from "./heartbeats.js";
import { LiveFeed } from "./live.js";
import { type DashboardOptions, type DashboardSettings, dashboardSettings } from "./options.js";
import { ProbeSource } from "./probes.js";
import { limitParam, QueueSource } from "./queues.js";
import { COMMON_HEADERS, CONTENT_SECURITY_POLICY, errorResponse, json } from "./respond.js";

/** Largest request body an action reads, in bytes. */
const MAX_BODY_BYTES = 16 * 1024;

/** Something a probe writes to, as `@x/probe`'s `publisherOutput` expects and `@x/heartbeat` uses. */
export interface ProbePublisher {
  /** Takes one probe message (its JSON bytes or text); the subject is ignored. */
  publish(message: { readonly subject: string; readonly payload: Uint8Array | string }): void;
}

/** A mounted dashboard: a Web-standard request handler. Made by {@link createDashboard}. */
export interface Dashboard extends AsyncDisposable {
  /** Answers one request: the page, its assets, the JSON API or the live feed. Never rejects. */
  fetch(request: Request): Promise<Response>;
  /** Feeds probe messages from any publisher a probe writes to. Present when the `probes` option is given. */
  readonly probePublisher: ProbePublisher | undefined;
  /** Stops sampling and the live feed, and unsubscribes from NATS. Idempotent; the sources stay open (they are yours). */
  close(): Promise<void>;
}

/**
 * Creates a dashboard over the sources given: queues, a heartbeat monitor, a NATS connection
 * (streams, consumers, dead letters) and probe messages. Read-only unless `actions` is given.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({ queues: { jobs: queue }, monitor, actions: tokenAuth(process.env.DASHBOARD_TOKEN!) });
 * createServer(toNodeHandler(dashboard)).listen(8080, "127.0.0.1");
 * ```
 */
export function createDashboard(options: DashboardOptions = {}): Dashboard {
  const settings = dashboardSettings(options);
  return new DashboardHandler(settings);
}

class DashboardHandler implements Dashboard {
  readonly #settings: DashboardSettings;
  readonly #assets = new Assets();
  readonly #queues: QueueSource;
  readonly #heartbeats: HeartbeatSource | undefined;
  readonly #events: EventSource | undefined;
  readonly #probes: ProbeSource | undefined;
  readonly #live: LiveFeed;
  readonly probePublisher: ProbePublisher | undefined;
  #subscription: Subscription | undefined;
  #sampler: TimerHandle;
  #closed = false;

  constructor(settings: DashboardSettings) {
    this.#settings = settings;
    const { time } = settings;
    this.#queues = new QueueSource(settings.queues, settings.historyLength);
    this.#heartbeats = settings.monitor === undefined ? undefined : new HeartbeatSource(settings.monitor, time, settings.maxTransitions);
    this.#events = settings.nats === undefined ? undefined : new EventSource(settings.nats, settings.deadLetterStream);
    const probes = settings.probes === undefined ? undefined : new ProbeSource(settings.probes.maxChecks);
    this.#probes = probes;
    this.probePublisher =
      probes === undefined
        ? undefined
        : {
            publish: ({ payload }) => {
              probes.receive(payload, time.wallNow());
            },
          };
    if (probes !== undefined && settings.probes?.subject !== undefined && settings.nats !== undefined) {
      this.#subscription = settings.nats.subscribe(settings.probes.subject, {
        callback: (error, msg) => {
          if (error === null) probes.receive(msg.data, time.wallNow());
          else settings.logger.warn({ error, subject: settings.probes?.subject }, "probe subscription failed");
        },
      });
    }
    this.#live = new LiveFeed(time, settings.updateIntervalMs, () => this.#summary());
    if (this.#queues.names.length > 0) this.#sample();
  }

  #sample(): void {
    if (this.#closed) return;
    const { time } = this.#settings;
    void this.#queues.sample(time.wallNow()).finally(() => {
      if (this.#closed) return;
      this.#sampler = time.setTimeout(() => {
        this.#sample();
      }, this.#settings.sampleIntervalMs);
      // The dashboard's own timer must not keep a process alive that has nothing else to do.
      (this.#sampler as { unref?: () => void } | undefined)?.unref?.();
    });
  }

  async fetch(request: Request): Promise<Response> {
    try {
      return await this.#route(request);
    } catch (error) {
      const { response, unexpected } = errorResponse(error);
      if (unexpected) this.#settings.logger.error({ error, method: request.method, url: request.url }, "dashboard request failed");
      return response;
    }
  }

  async #route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const { basePath } = this.#settings;
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : undefined;
    // "/opsx" is not under "/ops".
    if (path === undefined || (path !== "" && !path.startsWith("/"))) throw new NotFoundError(`not under ${basePath}/`);
    if (path === "") return new Response(null, { status: 308, headers: { ...COMMON_HEADERS, location: `${basePath}/` } });
    const parts = path.split("/").slice(1).map(decodePart);
    const method = request.method;
    if (method === "GET" || method === "HEAD") {
      if (path === "/") return this.#asset("index.html");
      if (parts[0] === "assets" && parts.length === 2 && parts[1] !== undefined) return this.#asset(parts[1]);
      if (parts[0] === "api") return this.#read(parts.slice(1), url.searchParams);
    } else if (method === "POST" && parts[0] === "api") {
      await guardAction(request, this.#settings.actions);
      return this.#act(parts.slice(1), request);
    }
    throw new NotFoundError(`no route for ${method} ${path}`);
  }

  async #asset(name: string): Promise<Response> {
    const type = ASSET_TYPES[name];
    const body = type === undefined ? undefined : await this.#assets.get(name);
    if (type === undefined || body === undefined) throw new NotFoundError(`no asset ${JSON.stringify(name)}`);
    const headers: Record<string, string> = { ...COMMON_HEADERS, "content-type": type };
    if (name === "index.html") headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
    return new Response(body, { headers });
  }

  async #read(parts: string[], query: URLSearchParams): Promise<Response> {
    const [section, name, sub] = parts;
    switch (section) {
      case "config":
        return json(this.#config());
      case "summary":
        return json(await this.#summary());
      case "live":
        return this.#live.open();
      case "queues":
        if (name === undefined) return json({ queues: await this.#queues.views() });
        if (sub === "jobs" && parts.length === 3) return json(await this.#queues.jobs(name, query));
        break;
      case "heartbeats": {
        const heartbeats = this.#need(this.#heartbeats, "no heartbeat monitor");
        if (name === undefined) return json(heartbeats.processes(query));
        if (name === "transitions") return json({ transitions: heartbeats.transitions(limitParam(query.get("limit"), 200)) });
        break;
      }
      case "events": {
        const events = this.#need(this.#events, "no NATS connection");
        if (name === "streams") return json({ streams: await events.streams() });
        if (name === "dead-letters") return json(await events.deadLetters(query));
        break;
      }
      case "probes": {
        const checks = this.#need(this.#probes, "no probes").checks();
        return json({ checks: checks.slice(0, limitParam(query.get("limit"), 200)), total: checks.length });
      }
    }
    throw new NotFoundError(`no API at /api/${parts.join("/")}`);
  }

  async #act(parts: string[], request: Request): Promise<Response> {
    const [section, name, sub, id, verb] = parts;
    if (section === "queues" && name !== undefined) {
      if (sub === "pause" || sub === "resume") {
        await this.#queues.setPaused(name, sub === "pause");
        return json({ ok: true });
      }
      if (sub === "bulk" && parts.length === 3) return json(await this.#queues.bulk(name, await readBody(request)));
      if (sub === "jobs" && id !== undefined && parts.length === 5) {
        if (verb === "retry") await this.#queues.retryJob(name, id);
        else if (verb === "delete") await this.#queues.deleteJob(name, id);
        else throw new NotFoundError(`no job action ${JSON.stringify(verb)}`);
        return json({ ok: true });
      }
    }
    if (section === "events" && name === "dead-letters" && sub !== undefined && parts.length === 4) {
      const events = this.#need(this.#events, "no NATS connection");
      const seq = seqParam(sub);
      if (id === "replay") return json(await events.replay(seq));
      if (id === "delete") {
        await events.deleteDeadLetter(seq);
        return json({ ok: true });
      }
    }
    throw new NotFoundError(`no action at /api/${parts.join("/")}`);
  }

  #need<T>(source: T | undefined, what: string): T {
    if (source === undefined) throw new UnsupportedError(`this dashboard has ${what}`);
    return source;
  }

  #config(): unknown {
    const s = this.#settings;
    return {
      title: s.title,
      actions: s.actions === undefined ? false : s.actions.scheme,
      queues: this.#queues.names,
      heartbeats: this.#heartbeats !== undefined,
      events: this.#events !== undefined,
      probes: this.#probes !== undefined,
      sampleIntervalMs: s.sampleIntervalMs,
      updateIntervalMs: s.updateIntervalMs,
    };
  }

  async #summary(): Promise<unknown> {
    return {
      at: this.#settings.time.wallNow(),
      queues: this.#queues.latest(),
      heartbeats: this.#heartbeats === undefined ? null : { counts: this.#heartbeats.counts(), changes: this.#heartbeats.changes },
      probes: this.#probes === undefined ? null : { counts: this.#probes.counts(), received: this.#probes.received },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sampler !== undefined) this.#settings.time.clearTimeout(this.#sampler);
    this.#live.close();
    this.#heartbeats?.close();
    this.#subscription?.unsubscribe();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadRequestError("the path is not valid percent-encoding");
  }
}

async function readBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) throw new BadRequestError("the body must be application/json");
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new BadRequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequestError("the body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequestError("the body must be a JSON object");
  return body as Record<string, unknown>;
}
