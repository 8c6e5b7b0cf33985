import { InvalidOptionError } from "@x/core";
import { createMonitor } from "@x/heartbeat";
import { ConnectionError, createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, jsonOf } from "../test/request.js";
import { basicAuth, createDashboard, type Dashboard, tokenAuth } from "./index.js";

const TOKEN = "test-token-123";
const HOSTILE = "<img src=x onerror=alert(1)>";

interface Page {
  jobs: { id: string; state: string; payload: string; buryReason?: string; attempts: number }[];
  cursor: string | null;
}

async function buried(queue: QueueAdapter, count: number, requestType = "mail"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = await queue.enqueue({ requestType, payload: { i, html: HOSTILE } });
    ids.push(message.id);
  }
  for (let i = 0; i < count; i++) {
    const reservation = await queue.reserve();
    await reservation?.bury(`failed ${HOSTILE}`);
  }
  return ids;
}

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe("options", () => {
  it("rejects an unknown option, listing the valid ones", () => {
    expect(() => createDashboard({ queue: {} } as never)).toThrow(InvalidOptionError);
    expect(() => createDashboard({ queue: {} } as never)).toThrow(/queues/);
  });
  it("rejects a probe subject without a NATS connection", () => {
    expect(() => createDashboard({ probes: { subject: "probe.>" } })).toThrow(/needs the `nats` option/);
  });
  it("rejects actions without an authorize hook", () => {
    expect(() => createDashboard({ actions: { scheme: "bearer" } as never })).toThrow(/tokenAuth/);
  });
  it("rejects a sample interval that is not a duration", () => {
    expect(() => createDashboard({ sampleIntervalMs: -1 })).toThrow(/sampleIntervalMs/);
  });
});

describe("the page and its assets", () => {
  it("serves the page with a policy that allows only its own scripts, and its assets", async () => {
    dashboard = createDashboard();
    const page = await call(dashboard, "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('src="assets/app.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const app = await call(dashboard, "/assets/app.js");
    expect(app.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await app.text()).not.toContain("innerHTML");
    expect((await call(dashboard, "/assets/..%2Fpackage.json")).status).toBe(404);
    expect((await call(dashboard, "/assets/secret.txt")).status).toBe(404);
  });

  it("answers under its base path only, and redirects the bare path to the page", async () => {
    dashboard = createDashboard({ basePath: "/ops/dashboard/" });
    const bare = await call(dashboard, "/ops/dashboard");
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/ops/dashboard/");
    expect((await call(dashboard, "/ops/dashboard/")).status).toBe(200);
    expect((await jsonOf(call(dashboard, "/ops/dashboard/api/config"))).actions).toBe(false);
    expect((await call(dashboard, "/api/config")).status).toBe(404);
    expect((await call(dashboard, "/ops/dashboardx/api/config")).status).toBe(404);
  });
});

describe("queues", () => {
  it("lists jobs by state with payload, attempts and bury reason as text, page by page", async () => {
    const queue = createMemoryQueue();
    await buried(queue, 3);
    dashboard = createDashboard({ queues: { jobs: queue } });
    const { queues } = await jsonOf<{ queues: { name: string; stats: { buried: number }; can: unknown }[] }>(
      call(dashboard, "/api/queues"),
    );
    expect(queues).toMatchObject([{ name: "jobs", stats: { buried: 3 }, can: { list: true, bulk: true, pause: true } }]);
    const first = await jsonOf<Page>(call(dashboard, "/api/queues/jobs/jobs?state=buried&limit=2"));
    expect(first.jobs).toHaveLength(2);
    expect(first.jobs[0]).toMatchObject({ state: "buried", attempts: 1, buryReason: `failed ${HOSTILE}` });
    expect(JSON.parse(first.jobs[0]?.payload ?? "")).toEqual({ i: 0, html: HOSTILE });
    const second = await jsonOf<Page>(call(dashboard, `/api/queues/jobs/jobs?state=buried&limit=2&cursor=${first.cursor ?? ""}`));
    expect(second.jobs.map((j) => JSON.parse(j.payload) as unknown)).toEqual([{ i: 2, html: HOSTILE }]);
    expect(second.cursor).toBeNull();
  });

  it("answers 400 for a bad state or limit and 404 for an unknown queue", async () => {
    dashboard = createDashboard({ queues: { jobs: createMemoryQueue() } });
    expect((await jsonOf<{ error: { code: string } }>(call(dashboard, "/api/queues/jobs/jobs?state=lost"), 400)).error.code).toBe(
      "ERR_X_DASHBOARD_BAD_REQUEST",
    );
    await jsonOf(call(dashboard, "/api/queues/jobs/jobs?state=ready&limit=5000"), 400);
    await jsonOf(call(dashboard, "/api/queues/nope/jobs?state=ready"), 404);
  });

  it("shows a queue whose backend is down with its last stats and the error, next to the others", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const queue = createMemoryQueue();
      await buried(queue, 1);
      let down = false;
      const flaky: QueueAdapter = Object.assign(Object.create(queue) as QueueAdapter, {
        stats: () => (down ? Promise.reject(new ConnectionError("beanstalkd at 127.0.0.1:11300 refused the connection")) : queue.stats()),
        list: () => Promise.reject(new ConnectionError("beanstalkd at 127.0.0.1:11300 refused the connection")),
      });
      dashboard = createDashboard({ queues: { flaky, fine: createMemoryQueue() }, sampleIntervalMs: 1000 });
      await vi.advanceTimersByTimeAsync(1000);
      down = true;
      await vi.advanceTimersByTimeAsync(2000);
      const { queues } = await jsonOf<{ queues: { name: string; stats: { buried: number }; error?: string; samples: unknown[] }[] }>(
        call(dashboard, "/api/queues"),
      );
      expect(queues.map((q) => [q.name, q.stats.buried, q.error, q.samples.length])).toEqual([
        ["flaky", 1, "beanstalkd at 127.0.0.1:11300 refused the connection", 2],
        ["fine", 0, undefined, 4],
      ]);
      const body = await jsonOf<{ error: { code: string; message: string } }>(call(dashboard, "/api/queues/flaky/jobs?state=buried"), 503);
      expect(body.error).toEqual({
        code: "ERR_X_DASHBOARD_SOURCE_UNAVAILABLE",
        message: "the queue is unavailable: beanstalkd at 127.0.0.1:11300 refused the connection",
      });
      expect((await call(dashboard, "/")).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("samples stats on its time source's timers and derives the plots from them", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const queue = createMemoryQueue();
      dashboard = createDashboard({ queues: { jobs: queue }, sampleIntervalMs: 1000 });
      await vi.advanceTimersByTimeAsync(0);
      await buried(queue, 2);
      await vi.advanceTimersByTimeAsync(1000);
      const { queues } = await jsonOf<{ queues: { samples: { at: number; buried: number }[]; rates: { failedPerSecond: number }[] }[] }>(
        call(dashboard, "/api/queues"),
      );
      expect(queues[0]?.samples).toEqual([
        { at: 1_000_000, ready: 0, delayed: 0, reserved: 0, buried: 0 },
        { at: 1_001_000, ready: 0, delayed: 0, reserved: 0, buried: 2 },
      ]);
      expect(queues[0]?.rates.map((r) => r.failedPerSecond)).toEqual([2]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("actions", () => {
  let queue: QueueAdapter;
  let ids: string[];
  beforeEach(async () => {
    queue = createMemoryQueue();
    ids = await buried(queue, 3);
  });

  it("are refused on a read-only dashboard, even with credentials", async () => {
    dashboard = createDashboard({ queues: { jobs: queue } });
    const body = await jsonOf<{ error: { code: string } }>(
      call(dashboard, `/api/queues/jobs/jobs/${ids[0] ?? ""}/retry`, { token: TOKEN }),
      403,
    );
    expect(body.error.code).toBe("ERR_X_DASHBOARD_READ_ONLY");
    expect((await queue.stats()).buried).toBe(3);
  });

  it("are refused without credentials, with wrong ones, without the action header and from another origin", async () => {
    dashboard = createDashboard({ queues: { jobs: queue }, actions: tokenAuth(TOKEN) });
    const path = "/api/queues/jobs/bulk";
    const body = { action: "retry", state: "buried" };
    const cases: [Record<string, string>, number, string][] = [
      [{ "x-dashboard-action": "1" }, 401, "ERR_X_DASHBOARD_UNAUTHORIZED"],
      [{ "x-dashboard-action": "1", authorization: "Bearer wrong-token-123" }, 401, "ERR_X_DASHBOARD_UNAUTHORIZED"],
      [{ authorization: `Bearer ${TOKEN}` }, 403, "ERR_X_DASHBOARD_FORBIDDEN"],
      [{ "x-dashboard-action": "1", authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" }, 403, "ERR_X_DASHBOARD_FORBIDDEN"],
      [{ "x-dashboard-action": "1", authorization: `Bearer ${TOKEN}`, "sec-fetch-site": "cross-site" }, 403, "ERR_X_DASHBOARD_FORBIDDEN"],
    ];
    for (const [headers, status, code] of cases) {
      const answer = await jsonOf<{ error: { code: string } }>(call(dashboard, path, { method: "POST", headers, body }), status);
      expect(answer.error.code).toBe(code);
    }
    expect((await queue.stats()).buried).toBe(3);
    // A GET never changes anything.
    expect((await call(dashboard, path)).status).toBe(404);
    expect((await queue.stats()).buried).toBe(3);
  });

  it("retry one buried job, keeping its id, payload and attempts", async () => {
    dashboard = createDashboard({ queues: { jobs: queue }, actions: tokenAuth(TOKEN) });
    const id = ids[1] ?? "";
    const before = await queue.peek(id);
    await jsonOf(call(dashboard, `/api/queues/jobs/jobs/${id}/retry`, { token: TOKEN, headers: { origin: "http://dash.test" } }));
    expect(await queue.stats()).toMatchObject({ ready: 1, buried: 2 });
    const info = await queue.inspect?.(id);
    expect(info?.state).toBe("ready");
    expect(info?.message.body.payload).toEqual({ i: 1, html: HOSTILE });
    expect(info?.message.id).toBe(id);
    expect(info?.message.header.attempts).toBe(before?.header.attempts);
    await jsonOf(call(dashboard, `/api/queues/jobs/jobs/${id}/retry`, { token: TOKEN }), 400);
    await jsonOf(call(dashboard, "/api/queues/jobs/jobs/no-such-job/retry", { token: TOKEN }), 404);
  });

  it("delete one job, run bulk actions by state and request type, pause and resume", async () => {
    await buried(queue, 2, "sms");
    dashboard = createDashboard({ queues: { jobs: queue }, actions: basicAuth({ username: "ops", password: "password1" }) });
    const headers = { "x-dashboard-action": "1", authorization: `Basic ${Buffer.from("ops:password1").toString("base64")}` };
    await jsonOf(call(dashboard, `/api/queues/jobs/jobs/${ids[0] ?? ""}/delete`, { method: "POST", headers }));
    expect((await queue.stats()).buried).toBe(4);
    const kicked = await jsonOf(
      call(dashboard, "/api/queues/jobs/bulk", { method: "POST", headers, body: { action: "kick", state: "buried", requestType: "sms" } }),
    );
    expect(kicked).toEqual({ matched: 2, changed: 2 });
    expect(await queue.stats()).toMatchObject({ ready: 2, buried: 2 });
    const deleted = await jsonOf(
      call(dashboard, "/api/queues/jobs/bulk", { method: "POST", headers, body: { action: "delete", state: "buried" } }),
    );
    expect(deleted).toEqual({ matched: 2, changed: 2 });
    await jsonOf(call(dashboard, "/api/queues/jobs/bulk", { method: "POST", headers, body: { action: "kick", state: "ready" } }), 400);
    await jsonOf(call(dashboard, "/api/queues/jobs/pause", { method: "POST", headers }));
    expect((await queue.stats()).paused).toBe(true);
    expect(await queue.reserve()).toBeNull();
    await jsonOf(call(dashboard, "/api/queues/jobs/resume", { method: "POST", headers }));
    expect((await queue.stats()).paused).toBe(false);
  });

  it("a hook that throws refuses the action", async () => {
    dashboard = createDashboard({
      queues: { jobs: queue },
      actions: {
        scheme: "custom",
        authorize: () => {
          throw new Error("session store down");
        },
      },
    });
    await jsonOf(call(dashboard, "/api/queues/jobs/pause", { method: "POST", headers: { "x-dashboard-action": "1" } }), 401);
    expect((await queue.stats()).paused).toBe(false);
  });
});

interface Processes {
  processes: { process: string; state: string; lastAgoMs: number; deadlineInMs?: number }[];
  total: number;
  counts: Record<string, number>;
  cursor: string | null;
}

describe("heartbeats", () => {
  it("shows each process's state and ages on the monitor's clock, filtered and paged", async () => {
    let now = 0;
    const time = { now: () => now, wallNow: () => 1_700_000_000_000 + now, setTimeout, clearTimeout };
    const monitor = createMonitor({ time });
    dashboard = createDashboard({ monitor, time });
    monitor.receive("heartbeat.api.1", "beat/10");
    monitor.receive("heartbeat.api.2", "beat/10");
    monitor.receive("heartbeat.batch", "start/60");
    now = 16_000; // api.* are late after 10 s × 1.5
    monitor.receive("heartbeat.api.2", "beat/10");
    const all = await jsonOf<Processes>(call(dashboard, "/api/heartbeats"));
    expect(all.counts).toMatchObject({ up: 1, late: 1, starting: 1 });
    expect(all.processes.find((p) => p.process === "api.1")).toEqual({
      process: "api.1",
      state: "late",
      forMs: 1000,
      lastKind: "beat",
      seconds: 10,
      lastAgoMs: 16_000,
      deadlineInMs: 19_000,
    });
    const worst = await jsonOf<Processes>(call(dashboard, "/api/heartbeats?sort=worst"));
    expect(worst.processes.map((p) => `${p.process} ${p.state}`)).toEqual(["api.1 late", "batch starting", "api.2 up"]);
    await jsonOf(call(dashboard, "/api/heartbeats?sort=name"), 400);
    const late = await jsonOf<Processes>(call(dashboard, "/api/heartbeats?state=late"));
    expect(late.processes.map((p) => p.process)).toEqual(["api.1"]);
    const api = await jsonOf<Processes>(call(dashboard, "/api/heartbeats?search=api&limit=1"));
    expect(api).toMatchObject({ total: 2, cursor: "1" });
    const next = await jsonOf<Processes>(call(dashboard, "/api/heartbeats?search=api&limit=1&cursor=1"));
    expect(next.processes.map((p) => p.process)).toEqual(["api.2"]);
    expect(next.cursor).toBeNull();
    const { transitions } = await jsonOf<{ transitions: { process: string; from: string | null; to: string; agoMs: number }[] }>(
      call(dashboard, "/api/heartbeats/transitions"),
    );
    expect(transitions.map((t) => `${t.process} ${t.from ?? "new"}->${t.to} ${t.agoMs}`)).toEqual([
      "api.1 new->up 16000",
      "api.2 new->up 16000",
      "batch new->starting 16000",
      "api.1 up->late 1000",
      "api.2 up->late 1000",
      "api.2 late->up 0",
    ]);
    await jsonOf(call(dashboard, "/api/heartbeats?state=gone"), 400);
    await monitor.close();
  });

  it("starts the timeline with the processes heard before the dashboard was made", async () => {
    let now = 5_000;
    const time = { now: () => now, wallNow: () => now, setTimeout, clearTimeout };
    const monitor = createMonitor({ time });
    monitor.receive("heartbeat.early", "start/30");
    now = 6_000;
    dashboard = createDashboard({ monitor, time });
    const { transitions } = await jsonOf<{ transitions: { process: string; from: string | null; to: string; agoMs: number }[] }>(
      call(dashboard, "/api/heartbeats/transitions"),
    );
    expect(transitions).toEqual([{ process: "early", from: null, to: "starting", agoMs: 1_000, wallAt: 5_000 }]);
    await monitor.close();
  });

  it("answers 501 when there is no monitor", async () => {
    dashboard = createDashboard();
    await jsonOf(call(dashboard, "/api/heartbeats"), 501);
  });
});

describe("probes", () => {
  it("keeps the latest message per check, worst first, and drops what is not a probe message", async () => {
    dashboard = createDashboard({ probes: {} });
    const publish = (value: unknown) => {
      dashboard?.probePublisher?.publish({ subject: "probe", payload: new TextEncoder().encode(JSON.stringify(value)) });
    };
    publish({
      v: 3,
      time: 1,
      location: { host: "a" },
      event: { name: "disk", state: { value: "ok", severity: "expected" }, vset: { used: { value: 50, unit: "%" } } },
    });
    publish({
      v: 3,
      time: 2,
      location: { host: "a" },
      event: { name: "disk", state: { value: "critical", severity: "error" }, vset: { used: { value: 95, unit: "%" } } },
    });
    publish({ v: 3, time: 2, location: { host: "b" }, event: { name: "load", vset: { value: { value: 0.5 } } } });
    publish({ v: 2, event: { name: "old" } });
    dashboard.probePublisher?.publish({ subject: "probe", payload: "not json" });
    const { checks } = await jsonOf<{ checks: unknown[] }>(call(dashboard, "/api/probes"));
    expect(checks).toMatchObject([
      {
        name: "disk",
        location: { host: "a" },
        state: "critical",
        severity: "error",
        values: [{ name: "used", value: 95, unit: "%" }],
        time: 2,
      },
      { name: "load", location: { host: "b" }, values: [{ name: "value", value: 0.5 }] },
    ]);
    expect(checks).toHaveLength(2);
    const worst = await jsonOf<{ checks: { name: string }[]; total: number }>(call(dashboard, "/api/probes?limit=1"));
    expect([worst.checks.map((c) => c.name), worst.total]).toEqual([["disk"], 2]);
  });
});

describe("close()", () => {
  it("stops sampling and ends the open live feeds; a second close does nothing", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const queue = createMemoryQueue();
      let reads = 0;
      const counted: QueueAdapter = Object.assign(Object.create(queue) as QueueAdapter, {
        stats: () => {
          reads++;
          return queue.stats();
        },
      });
      const closing = createDashboard({ queues: { jobs: counted }, sampleIntervalMs: 100 });
      await vi.advanceTimersByTimeAsync(250);
      expect(reads).toBe(3);
      const live = await call(closing, "/api/live");
      await closing.close();
      await closing.close();
      await vi.advanceTimersByTimeAsync(1000);
      expect(reads).toBe(3);
      // The stream ends: reading it to the end terminates.
      expect(await live.text()).toContain("event: summary");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("cross-origin requests", () => {
  it("get no CORS preflight approval", async () => {
    dashboard = createDashboard({ queues: { jobs: createMemoryQueue() }, actions: tokenAuth(TOKEN) });
    const preflight = await call(dashboard, "/api/queues/jobs/pause", {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-dashboard-action",
      },
    });
    expect(preflight.status).toBe(404);
    expect([...preflight.headers.keys()].filter((key) => key.startsWith("access-control-"))).toEqual([]);
  });
});

describe("the live feed", () => {
  it("sends one batched summary per interval, however many changes came in between", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const monitor = createMonitor();
      dashboard = createDashboard({ monitor, updateIntervalMs: 1000 });
      const response = await call(dashboard, "/api/live");
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const readSummaries = async (count: number): Promise<{ heartbeats: { changes: number; counts: { up: number } } }[]> => {
        for (;;) {
          const summaries = text.split("\n\n").filter((block) => block.startsWith("event: summary"));
          if (summaries.length >= count) return summaries.map((block) => JSON.parse(block.split("data: ")[1] ?? "") as never);
          const { value } = await reader.read();
          text += value ?? "";
        }
      };
      expect((await readSummaries(1))[0]?.heartbeats.changes).toBe(0);
      for (let i = 0; i < 50; i++) monitor.receive(`heartbeat.worker.${i}`, "beat/5");
      await vi.advanceTimersByTimeAsync(1000);
      const summaries = await readSummaries(2);
      expect(summaries).toHaveLength(2);
      expect(summaries[1]?.heartbeats).toMatchObject({ changes: 50, counts: { up: 50 } });
      await reader.cancel();
      await monitor.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
