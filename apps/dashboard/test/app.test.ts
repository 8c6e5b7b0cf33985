import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApp, startApp } from "./run-app.js";

const TOKEN = "app-test-token";
let app: RunningApp;
let base: string;

const get = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};

beforeAll(async () => {
  // No NATS_URL and no QUEUE_DIR: the app starts its own nats-server and a temporary queue.
  const { NATS_URL: _nats, QUEUE_DIR: _dir, ...env } = process.env;
  app = startApp([], { ...env, PORT: "0", DASHBOARD_TOKEN: TOKEN });
  base = (await app.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/))[1] ?? "";
});

afterAll(async () => {
  if (app.child.exitCode === null) await app.stop();
});

describe("the dashboard app with demo load", () => {
  it("listens on 127.0.0.1 and serves the page", async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const page = await fetch(base);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("assets/app.js");
  });

  it("shows the file queue, six processes, the webshop's stream, a dead letter and the probes", async () => {
    await expect
      .poll(
        async () => {
          const { queues } = await get<{ queues: { adapter: string; stats: { ready: number; buried: number } }[] }>("api/queues");
          return queues[0]?.adapter === "file" && queues[0].stats.buried > 0;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    const { total } = await get<{ total: number }>("api/heartbeats");
    expect(total).toBe(6);
    const { streams } = await get<{ streams: { name: string; consumers: { name: string }[] }[] }>("api/events/streams");
    expect(
      streams
        .find((s) => s.name === "parcel-sent")
        ?.consumers.map((c) => c.name)
        .sort(),
    ).toEqual(["send-email", "send-sms"]);
    await expect
      .poll(async () => (await get<{ deadLetters: { actor: string }[] }>("api/events/dead-letters")).deadLetters[0]?.actor, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe("send-sms");
    const { checks } = await get<{ checks: { name: string }[] }>("api/probes");
    expect(checks.map((c) => c.name).sort()).toEqual(["disk", "web"]);
  });

  it("runs actions with the token only", async () => {
    const retry = (headers: Record<string, string>) =>
      fetch(`${base}api/queues/jobs/bulk`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-dashboard-action": "1", ...headers },
        body: JSON.stringify({ action: "retry", state: "buried" }),
      });
    expect((await retry({})).status).toBe(401);
    const done = await retry({ authorization: `Bearer ${TOKEN}` });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { changed: number }).changed).toBeGreaterThan(0);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await app.stop()).toBe(0);
    expect(app.output()).toContain("stopped");
    expect(app.output()).not.toContain("[stderr]");
  });
});
