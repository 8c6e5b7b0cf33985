import { createServer } from "node:http";

/** An OTLP/HTTP request as received: its path, content type and JSON body. */
export interface OtlpRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: unknown;
}

/** A span of an OTLP/JSON export, flattened: ids in hex, attributes as a record. */
export interface ReceivedSpan {
  readonly name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly service: unknown;
}

/** A data point of an OTLP/JSON metric: a sum's or gauge's value, or a histogram's count. */
export interface ReceivedPoint {
  readonly metric: string;
  readonly value: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly service: unknown;
}

/** A loopback OTLP/HTTP receiver: it keeps every POST to /v1/traces and /v1/metrics. */
export interface OtlpReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, what `OTEL_EXPORTER_OTLP_ENDPOINT` is set to. */
  readonly endpoint: string;
  readonly requests: OtlpRequest[];
  spans(): ReceivedSpan[];
  /** The points of the last export that had the metric (exports are cumulative). */
  points(metric: string): ReceivedPoint[];
}

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

function attributeValue(value: Record<string, unknown>): unknown {
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("boolValue" in value) return value.boolValue;
  return value;
}

function attributes(list: readonly KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, attributeValue(value)]));
}

interface JsonResource {
  attributes?: KeyValue[];
}

interface JsonResourceSpans {
  resource?: JsonResource;
  scopeSpans?: { spans?: JsonSpan[] }[];
}

interface JsonResourceMetrics {
  resource?: JsonResource;
  scopeMetrics?: { metrics?: JsonMetric[] }[];
}

interface JsonSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: KeyValue[];
}

interface JsonPoint {
  attributes?: KeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}

interface JsonMetric {
  name: string;
  sum?: { dataPoints?: JsonPoint[] };
  gauge?: { dataPoints?: JsonPoint[] };
  histogram?: { dataPoints?: JsonPoint[] };
}

/** Starts the receiver on a free loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const contentType = req.headers["content-type"] ?? "";
      let body: unknown = text;
      if (contentType.startsWith("application/json")) body = JSON.parse(text);
      requests.push({ path: req.url ?? "", contentType, body });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const bodies = (path: string): Record<string, unknown>[] =>
    requests.filter((r) => r.path === path && typeof r.body === "object").map((r) => r.body as Record<string, unknown>);
  const service = (resource: JsonResource | undefined): unknown => attributes(resource?.attributes)["service.name"];
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    spans: () =>
      bodies("/v1/traces").flatMap((body) =>
        ((body.resourceSpans ?? []) as JsonResourceSpans[]).flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((span) => ({
              name: span.name,
              kind: span.kind,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              attributes: attributes(span.attributes),
              service: service(rs.resource),
            })),
          ),
        ),
      ),
    points: (metric) => {
      let last: ReceivedPoint[] = [];
      for (const body of bodies("/v1/metrics")) {
        for (const rm of (body.resourceMetrics ?? []) as JsonResourceMetrics[]) {
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              if (m.name !== metric) continue;
              const data = m.sum ?? m.gauge ?? m.histogram;
              last = (data?.dataPoints ?? []).map((p) => ({
                metric,
                value: Number(m.histogram === undefined ? (p.asInt ?? p.asDouble) : p.count),
                attributes: attributes(p.attributes),
                service: service(rm.resource),
              }));
            }
          }
        }
      }
      return last;
    },
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
