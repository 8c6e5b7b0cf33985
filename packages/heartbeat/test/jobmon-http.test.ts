import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createHeartbeatService,
  createJobmonHttpGateway,
  GatewayError,
  GatewayHttpError,
  GatewayResponseError,
  GatewayTimeoutError,
  HeartbeatFailedError,
  InvalidOptionError,
} from "../src/index.js";
import { startJobmonServer } from "./jobmon-server.js";

const RUN_ID = 42;
let jobmon: Awaited<ReturnType<typeof startJobmonServer>>;

beforeEach(async () => {
  jobmon = await startJobmonServer(RUN_ID);
});

afterEach(async () => {
  await jobmon.close();
});

const signal = (): AbortSignal => new AbortController().signal;

describe("createJobmonHttpGateway against a local jobmon-like server", () => {
  it("POSTs jobmon's exact route and snake_case JSON body, and reads its status back", async () => {
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    const answer = await gateway.logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() });
    expect(answer).toEqual({ status: "R" });
    expect(jobmon.received).toHaveLength(1);
    const [request] = jobmon.received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/api/v3/workflow_run/42/log_heartbeat");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.body).toBe('{"status":"R","next_report_increment":45}');
  });

  it("a service over it: jobmon's defaults send 93 s; the server's C is adopted and sent next", async () => {
    const service = createHeartbeatService({
      gateway: createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID }),
      intervalMs: 30_000,
      reportByBuffer: 3.1,
      initialStatus: "R",
    });
    expect(await service.tick()).toEqual({});
    jobmon.setStatus("C"); // what jobmon's set_resume does to the old run
    expect(await service.tick()).toEqual({ workflowRunStatus: "C" });
    expect(await service.tick()).toEqual({});
    const bodies = jobmon.received.map((r) => JSON.parse(r.body) as unknown);
    expect(bodies).toEqual([
      { status: "R", next_report_increment: service.nextReportIncrement },
      { status: "R", next_report_increment: service.nextReportIncrement },
      { status: "C", next_report_increment: service.nextReportIncrement },
    ]);
    expect(service.nextReportIncrement).toBeCloseTo(93, 9);
  });

  it("a trailing slash in baseUrl, a string id (encoded) and extra headers", async () => {
    const gateway = createJobmonHttpGateway({
      baseUrl: new URL(`${jobmon.baseUrl}/`),
      workflowRunId: "42",
      headers: { authorization: "Bearer t0ken" },
    });
    await gateway.logHeartbeat({ status: "R", nextReportIncrement: 1.5 }, { signal: signal() });
    expect(jobmon.received[0]?.url).toBe("/api/v3/workflow_run/42/log_heartbeat");
    expect(jobmon.received[0]?.headers.authorization).toBe("Bearer t0ken");
    expect(jobmon.received[0]?.body).toBe('{"status":"R","next_report_increment":1.5}');
    const odd = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: "a/b" });
    await expect(odd.logHeartbeat({ status: "R", nextReportIncrement: 1 }, { signal: signal() })).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(jobmon.received[1]?.url).toBe("/api/v3/workflow_run/a%2Fb/log_heartbeat");
  });

  it("a non-2xx answer is a GatewayHttpError with the status code and the start of the body", async () => {
    jobmon.behave({ kind: "http", status: 503, body: "<h1>Service Unavailable</h1>" });
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    const error: unknown = await gateway
      .logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayHttpError);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY_HTTP", statusCode: 503, body: "<h1>Service Unavailable</h1>" });
    expect((error as Error).message).toBe(`heartbeat POST ${jobmon.baseUrl}/workflow_run/42/log_heartbeat answered HTTP 503`);
  });

  it("jobmon's 400 InvalidUsage for a body it cannot read is a GatewayHttpError", async () => {
    // The server's own check: a body without next_report_increment is refused.
    const raw = await fetch(`${jobmon.baseUrl}/workflow_run/42/log_heartbeat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"status":"R"}',
    });
    expect(raw.status).toBe(400);
    jobmon.behave({ kind: "http", status: 400, body: '{"error":{"exception_type":"InvalidUsage"}}' });
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    await expect(gateway.logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })).rejects.toMatchObject({
      statusCode: 400,
      body: '{"error":{"exception_type":"InvalidUsage"}}',
    });
  });

  it.each([
    ["a body that is not JSON", "<html>proxy error</html>", /answered 200 with a body that is not JSON/],
    ["JSON without a status", '{"workflow_run_status":"R"}', /answered without a string "status"/],
    ["a status that is not a string", '{"status":3}', /answered without a string "status"/],
    ["JSON null", "null", /answered without a string "status"/],
  ])("%s is a GatewayResponseError", async (_name, body, message) => {
    jobmon.behave({ kind: "raw", body });
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    const error: unknown = await gateway
      .logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayResponseError);
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY_RESPONSE" });
    expect((error as Error).message).toMatch(message);
  });

  it("a server that stalls is a GatewayTimeoutError after timeoutMs", async () => {
    jobmon.behave({ kind: "stall" });
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID, timeoutMs: 100 });
    const error: unknown = await gateway
      .logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayTimeoutError);
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY_TIMEOUT", timeoutMs: 100 });
  });

  it("the caller's signal aborts the request: a GatewayError, not a timeout", async () => {
    jobmon.behave({ kind: "stall" });
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    const controller = new AbortController();
    const pending = gateway.logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: controller.signal }).catch((e: unknown) => e);
    while (jobmon.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("stopping"));
    const error = await pending;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).not.toBeInstanceOf(GatewayTimeoutError);
  });

  it("a server that is gone is a GatewayError whose cause is fetch's error", async () => {
    const gateway = createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID });
    await jobmon.close();
    const error: unknown = await gateway
      .logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY" });
    expect((error as Error).cause).toBeInstanceOf(TypeError); // undici's "fetch failed"
    jobmon = await startJobmonServer(RUN_ID); // for afterEach
  });

  it("run() gives up after 5 failed reports in a row with HeartbeatFailedError, the HTTP error as cause", async () => {
    jobmon.behave(...Array.from({ length: 5 }, () => ({ kind: "http" as const, status: 503, body: "down" })));
    const service = createHeartbeatService({
      gateway: createJobmonHttpGateway({ baseUrl: jobmon.baseUrl, workflowRunId: RUN_ID }),
      intervalMs: 40,
      reportByBuffer: 2,
      initialStatus: "R",
      failureBackoffMs: 5,
    });
    const error: unknown = await service.run({ signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeartbeatFailedError);
    expect(error).toMatchObject({ failures: 5, cause: { statusCode: 503 } });
    expect(jobmon.received).toHaveLength(5);
  });

  it("uses an injected fetch", async () => {
    const urls: string[] = [];
    const gateway = createJobmonHttpGateway({
      baseUrl: "http://jobmon.invalid/api/v3",
      workflowRunId: 7,
      fetch: async (input) => {
        urls.push(input instanceof Request ? input.url : input.toString());
        return new Response('{"status":"H"}', { status: 200 });
      },
    });
    expect(await gateway.logHeartbeat({ status: "R", nextReportIncrement: 45 }, { signal: signal() })).toEqual({ status: "H" });
    expect(urls).toEqual(["http://jobmon.invalid/api/v3/workflow_run/7/log_heartbeat"]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a missing baseUrl", { workflowRunId: 1 }, /`baseUrl` must be an http: or https: URL/],
    ["a non-http baseUrl", { baseUrl: "ftp://x", workflowRunId: 1 }, /`baseUrl`/],
    ["a negative id", { baseUrl: "http://x", workflowRunId: -1 }, /`workflowRunId` must be an integer >= 0 or a non-empty string/],
    ["an empty id", { baseUrl: "http://x", workflowRunId: "" }, /`workflowRunId`/],
    ["a zero timeout", { baseUrl: "http://x", workflowRunId: 1, timeoutMs: 0 }, /`timeoutMs`/],
    ["a header that is not a string", { baseUrl: "http://x", workflowRunId: 1, headers: { a: 1 } }, /`headers`/],
    [
      "an unknown option",
      { baseUrl: "http://x", workflowRunId: 1, timeout: 5 },
      /`timeout` is not an option of createJobmonHttpGateway\(\)/,
    ],
  ])("rejects %s", (_name, options, message) => {
    const create = () => createJobmonHttpGateway(options as unknown as Parameters<typeof createJobmonHttpGateway>[0]);
    expect(create).toThrow(InvalidOptionError);
    expect(create).toThrow(message);
  });
});
