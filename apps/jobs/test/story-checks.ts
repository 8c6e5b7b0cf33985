import { expect } from "vitest";

/** A story line without its clock column (` 0.42 s  `), which depends on the machine's speed. */
const untimed = (line: string): string => line.replace(/^ *\d+\.\d\d s {2}/, "");

/** The story of the demo, whatever queue it ran on: every job's outcome, the heartbeats, the summary. */
export function expectTheStory(stdout: string): void {
  const lines = stdout.trimEnd().split("\n");
  expect(lines).toContain("producer: enqueued 10 jobs");
  expect(lines).toContain('producer: refused send_email {"to":"nobody"} at enqueue: Invalid email address');
  expect(lines.slice(-8)).toEqual([
    "",
    expect.stringMatching(/^summary: 12 jobs in [\d.]+ s$/),
    "  9 succeeded (2 of them after retries; 4 retries in all)",
    "  2 buried: failed for good, kept for inspection",
    "  1 expired: too late to start, buried without running",
    "  0 errors",
    "  left in the queue: 0 ready, 0 delayed, 0 reserved, 3 buried",
    "demo: every job ended as expected",
  ]);

  // Every line of the worker's part carries the time since it started.
  const story = lines.slice(lines.findIndex((l) => l.startsWith("worker: ")) + 1, -8);
  expect(story.length).toBeGreaterThan(0);
  for (const line of story) expect(line).toMatch(/^ *\d+\.\d\d s {2}\s*\S/);
  const events = story.map(untimed);
  const heartbeats = events.filter((l) => l.startsWith("heartbeat.jobs.demo "));
  expect(heartbeats[0]).toMatch(/^heartbeat\.jobs\.demo start\/5 +starting: /);
  expect(heartbeats[1]).toMatch(/^heartbeat\.jobs\.demo beat\/1 +healthy: /);
  expect(heartbeats.some((l) => /^heartbeat\.jobs\.demo degraded\/1 +degraded: /.test(l))).toBe(true);
  // The last word of the story is the worker saying it stopped.
  expect(events.at(-1)).toMatch(/^heartbeat\.jobs\.demo stop +stopped: /);

  expect(events).toContain('buried     charge_card {"cents":4200}: FatalError: card declined (4200 cents)');
  // The worker's schema check buries what a producer without the schema let through, unrun.
  expect(events).toContain('buried     send_email {"to":"nobody"}: invalid payload: to: Invalid email address');
  expect(events.filter((l) => l === "scheduled  queue_report as sched.queue_report.<tick>")).toHaveLength(2);
  expect(events.filter((l) => l === "succeeded  queue_report on attempt 1")).toHaveLength(2);
  expect(events).toContain('expired    flash_sale {"sku":"tv-55"}: buried as "expired", never run');
  expect(events.filter((l) => /^succeeded {2}resize_image .* on attempt 3$/.test(l))).toHaveLength(2);
  expect(
    events.filter((l) =>
      /^retried {4}resize_image .*: attempt \d failed \(TransientError: image service busy\), again in (100|200) ms$/.test(l),
    ),
  ).toHaveLength(4);
  expect(events.filter((l) => /^succeeded {2}send_email .* on attempt 1$/.test(l))).toHaveLength(4);
  expect(events).toContain("  handler: reminder sent to ada@example.com");
  expect(events).toContain('succeeded  send_reminder {"to":"ada@example.com"} on attempt 1');
  expect(stdout).not.toContain("never printed");
}
