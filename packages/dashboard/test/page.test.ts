import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Actor, Actors, type ConnectedActors, type ConnectedEvents, Event, Events } from "@x/events";
import { createMonitor, type Monitor } from "@x/heartbeat";
import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { type RunningServer, startNatsServer } from "@x/test-servers";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, type ServedDashboard, serveDashboard, tokenAuth } from "../src/index.js";
import { launchChromium, openPage, type PageWatch } from "./browser.js";

/** Polls wait this long: the machine may be busy with other suites. */
const POLL = { timeout: 15_000 };

const TOKEN = "browser-test-token";
const HOSTILE = "<img src=x onerror=alert(1)>";
const OUTPUT = join(import.meta.dirname, "..", "test-output");
const ORDER = Event<{ order: string }>("order-placed");

let nats: RunningServer;
let nc: NatsConnection;
let queue: QueueAdapter;
let monitor: Monitor;
let served: ServedDashboard;
let browser: Browser;
let page: Page;
let watch: PageWatch;
let events: ConnectedEvents;
let actors: ConnectedActors;
let failing = true;
const shipped: string[] = [];
const stopActors = new AbortController();
let beating: ReturnType<typeof setInterval>;

beforeAll(async () => {
  browser = await launchChromium();
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  queue = createMemoryQueue();
  await queue.enqueue({ id: "hostile-job", requestType: "render", payload: { html: HOSTILE } });
  await queue.enqueue({ id: "fine-job", requestType: "mail", payload: { to: "ops@example.com" } });
  for (let i = 0; i < 2; i++) await (await queue.reserve())?.bury(`template failed: ${HOSTILE}`);
  await queue.enqueue({ requestType: "mail", payload: { to: "waiting@example.com" } });

  monitor = createMonitor();
  monitor.receive("heartbeat.steady.worker", "beat/1");
  beating = setInterval(() => monitor.receive("heartbeat.steady.worker", "beat/1"), 300);

  const ship = Actor(
    "ship-order",
    ORDER,
    ({ order }) => {
      if (failing) throw new Error(`warehouse refused ${HOSTILE}`);
      shipped.push(order);
    },
    { maxAttempts: 1 },
  );
  events = await Events(ORDER).connect(nc);
  actors = await Actors(ship).connect(nc);
  await events.register();
  await actors.register();
  void actors.listen({ signal: stopActors.signal });

  const dashboard = createDashboard({
    title: "Operations",
    queues: { jobs: queue },
    monitor,
    nats: nc,
    probes: { subject: "probe.>" },
    actions: tokenAuth(TOKEN),
    updateIntervalMs: 200,
    sampleIntervalMs: 200,
  });
  served = await serveDashboard(dashboard);
  ({ page, watch } = await openPage(browser, new URL(served.url).origin));
  nc.publish(
    "probe.disk",
    JSON.stringify({
      v: 3,
      time: 1,
      location: { host: HOSTILE },
      event: { name: "disk", state: { value: "critical", severity: "error" }, vset: { used: { value: 97, unit: "%" } } },
    }),
  );
  await nc.flush();
  await page.goto(served.url);
  await page.waitForSelector("body[data-ready]");
});

afterAll(async () => {
  clearInterval(beating);
  stopActors.abort();
  // Each step runs whatever failed before it (a missing chromium fails beforeAll at its first line).
  const steps: (() => PromiseLike<unknown>)[] = [
    () => browser.close(),
    () => served.close(),
    () => actors.close(),
    () => events.close(),
    () => nc.close(),
    () => monitor.close(),
    () => nats[Symbol.asyncDispose](),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch {
      // Not started, or already gone.
    }
  }
});

const row = (selector: string) => page.locator(selector);

describe("the page in chromium", () => {
  it("loads every section with no console errors, from the package's own assets only", async () => {
    await expect.poll(() => page.title(), POLL).toBe("Operations");
    await row('[data-queue="jobs"] [data-job-id="hostile-job"]').waitFor();
    await row('[data-process="steady.worker"]').waitFor();
    await row('[data-check="disk"]').waitFor();
    await row('[data-stream="order-placed"]').waitFor();
    await expect.poll(() => page.locator("#live").textContent(), POLL).toBe("live");
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  });

  it("shows a hostile payload, bury reason and probe location as text, and runs none of it", async () => {
    const cells = await row('[data-job-id="hostile-job"] td').allTextContents();
    expect(cells).toContain(JSON.stringify({ html: HOSTILE }));
    expect(cells).toContain(`template failed: ${HOSTILE}`);
    expect(await row('[data-check="disk"]').textContent()).toContain(`host=${HOSTILE}`);
    expect(await page.locator("main img").count()).toBe(0);
    expect(watch.dialogs.filter((d) => d.startsWith("alert"))).toEqual([]);
  });

  it("refuses an action without credentials, and the queue does not change", async () => {
    await row('[data-job-id="fine-job"] [data-action="retry"]').click();
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe("refused: actions need valid credentials");
    expect(await queue.stats()).toMatchObject({ ready: 1, buried: 2 });
  });

  it("retries a buried job once the token is given, and the queue changes", async () => {
    await page.locator("#auth-secret").fill(TOKEN);
    await page.locator("#auth-save").click();
    await row('[data-job-id="fine-job"] [data-action="retry"]').click();
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe("job fine-job retried");
    expect(await queue.stats()).toMatchObject({ ready: 2, buried: 1 });
    await row('[data-job-id="fine-job"]').waitFor({ state: "detached" });
    await expect.poll(() => row('[data-queue="jobs"] [data-stat="ready"] b').textContent(), POLL).toBe("2");
  });

  it("shows a heartbeat that stopped turn late, then down, not before its deadlines", async () => {
    // beat/2 and nothing more: late after 2 s × buffer 1.5, down 2 s × grace 2 after that.
    const beatAt = performance.now();
    monitor.receive("heartbeat.stopping.worker", "beat/2");
    const badge = row('[data-process="stopping.worker"] [data-state]');
    const firstSeen = new Map<string, number>();
    await expect
      .poll(
        async () => {
          const state = await badge.getAttribute("data-state");
          if (state !== null && !firstSeen.has(state)) firstSeen.set(state, performance.now() - beatAt);
          return state;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe("down");
    expect([...firstSeen.keys()]).toEqual(["up", "late", "down"]);
    expect(firstSeen.get("late")).toBeGreaterThanOrEqual(3_000);
    expect(firstSeen.get("down")).toBeGreaterThanOrEqual(7_000);
    expect(await row('[data-process="steady.worker"] [data-state]').getAttribute("data-state")).toBe("up");
  });

  it("replays a dead letter to its actor", async () => {
    await events.emit(ORDER, { order: "o-42" }, { sync: true });
    const letter = row('[data-dead-letter] >> text="ship-order"').first();
    await expect.poll(() => page.locator("[data-dead-letter]").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator("[data-dead-letter]").textContent()).toContain(`warehouse refused ${HOSTILE}`);
    await letter.waitFor();
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "dashboard.png"), fullPage: true });
    failing = false;
    await page.locator('[data-dead-letter] [data-action="replay"]').click();
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe("replayed on order-placed");
    await expect.poll(() => shipped, { timeout: 20_000 }).toEqual(["o-42"]);
    await expect.poll(() => page.locator("[data-dead-letter]").count(), { timeout: 10_000 }).toBe(0);
  });

  it("pauses and resumes the queue from the page", async () => {
    await page.locator('[data-queue="jobs"] [data-action="pause"]').click();
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe("jobs paused");
    expect((await queue.stats()).paused).toBe(true);
    await page.locator('[data-queue="jobs"] [data-action="resume"]').click();
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe("jobs resumed");
    expect((await queue.stats()).paused).toBe(false);
  });

  it("lists another state on request, and the bulk buttons say what they will touch", async () => {
    await page.locator('[data-queue="jobs"] [data-role="state"]').selectOption("ready");
    await expect.poll(() => page.locator('[data-queue="jobs"] [data-bulk="retry"]').textContent(), POLL).toBe("retry all ready");
    await expect.poll(() => page.locator('[data-queue="jobs"] [data-role="jobs"] tbody tr').count(), POLL).toBe(2);
    expect(await page.locator('[data-queue="jobs"] [data-job-id="fine-job"]').count()).toBe(1);
  });

  it("made no request outside the dashboard and logged no error all along", () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.consoleErrors).toEqual([
      // The refused action of the test above, as chromium reports every 401.
      expect.stringContaining("401"),
    ]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.dialogs.filter((d) => d.startsWith("alert"))).toEqual([]);
  });
});
