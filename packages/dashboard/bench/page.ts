/**
 * The page at scale, in chromium: 10,000 processes (a tenth of them beating) and 100,000 jobs.
 * Each live update makes the page fetch and render one page of every list; this times that
 * round (median and worst of 20) and how long the main thread takes to answer a frame request
 * meanwhile, next to the same page over an empty dashboard (the baseline). Run with
 * `pnpm --filter @x/dashboard bench`.
 */
import { createMonitor, type Monitor } from "@x/heartbeat";
import { createMemoryQueue, enqueueMany, type QueueAdapter } from "@x/message";
import type { Page } from "playwright-core";
import { createDashboard, serveDashboard } from "../src/index.js";
import { launchChromium } from "../test/browser.js";

const PROCESSES = 10_000;
const JOBS = 100_000;
const ROUNDS = 20;

async function fill(monitor: Monitor, queue: QueueAdapter): Promise<void> {
  for (let i = 0; i < PROCESSES; i++) monitor.receive(`heartbeat.worker.${String(i).padStart(5, "0")}`, "beat/30");
  const inits = Array.from({ length: JOBS }, (_, i) => ({ requestType: "mail", payload: { n: i, to: `user${i}@example.com` } }));
  for (let i = 0; i < JOBS; i += 10_000) await enqueueMany(queue, inits.slice(i, i + 10_000));
  for (let i = 0; i < 5_000; i++) await (await queue.reserve())?.bury("bench");
}

async function measure(page: Page): Promise<{ refresh: number[]; frame: number[] }> {
  const refresh: number[] = [];
  const frame: number[] = [];
  let seen = Number(await page.evaluate<string>('document.body.dataset.refreshes ?? "0"'));
  while (refresh.length < ROUNDS) {
    const start = performance.now();
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve()))");
    frame.push(performance.now() - start);
    const count = Number(await page.evaluate<string>('document.body.dataset.refreshes ?? "0"'));
    if (count > seen) {
      seen = count;
      refresh.push(Number(await page.evaluate<string>('document.body.dataset.refreshMs ?? "NaN"')));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { refresh, frame };
}

const stat = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)} ms, worst ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
};

// The page's own code is a string here: this package's tsconfig has no DOM types.
const browser = await launchChromium();
try {
  for (const loaded of [false, true]) {
    const monitor = createMonitor();
    const queue = createMemoryQueue({ leaseMs: 3_600_000 });
    if (loaded) await fill(monitor, queue);
    const beating = setInterval(() => {
      for (let i = 0; i < PROCESSES / 10; i++) monitor.receive(`heartbeat.worker.${String(i).padStart(5, "0")}`, "beat/30");
    }, 500);
    const served = await serveDashboard(createDashboard({ queues: { jobs: queue }, monitor, updateIntervalMs: 250 }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(served.url);
    await page.waitForSelector("body[data-ready]");
    const { refresh, frame } = await measure(page);
    console.log(`${loaded ? `${PROCESSES} processes, ${JOBS} jobs` : "empty dashboard (baseline)"}:`);
    console.log(`  one live update, fetched and rendered: ${stat(refresh)}`);
    console.log(`  main thread, frame request answered:   ${stat(frame)}`);
    await page.close();
    clearInterval(beating);
    await served.close();
    await monitor.close();
    await queue.close();
  }
} finally {
  await browser.close();
}
