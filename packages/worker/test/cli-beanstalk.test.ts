/**
 * The operate commands of `x-queue` against a real beanstalkd (issue 15): the incident of
 * cli-operate.test.ts on a tube, every `--json` line parsed, and a missing tube reported.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBeanstalkd } from "@x/test-servers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HANDLERS, installBeanstalkAdapter, ndjson, runCli, spawnCli } from "./cli-helpers.js";
import { until } from "./helpers.js";

let cwd: string;
let server: Awaited<ReturnType<typeof startBeanstalkd>>;
let tube = 0;
let Q: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-beanstalk-"));
  await installBeanstalkAdapter(cwd);
  server = await startBeanstalkd();
});
afterAll(async () => {
  await server.kill();
  await rm(cwd, { recursive: true, force: true });
});
beforeEach(() => {
  Q = `--queue=beanstalk://127.0.0.1:${server.port}/incident-${++tube}`;
});
const cli = (...args: string[]) => runCli(cwd, args);

describe("an incident on beanstalkd, from scripts (--json)", () => {
  it("load, work, find the buried, pause, retry by type, resume", { timeout: 120_000 }, async () => {
    const jobs = [
      '{"type":"charge","payload":{"cents":100}}',
      '{"type":"greet","payload":"ada"}',
      "{oops",
      '{"type":"charge","payload":{"cents":7}}',
      '{"type":"other"}',
    ];
    await writeFile(join(cwd, "jobs.ndjson"), `${jobs.join("\n")}\n`);
    const put = await cli("put", Q, "--from", "jobs.ndjson", "--json");
    expect(put.code).toBe(3);
    expect(ndjson(put.stdout)).toEqual([{ put: 4, failed: 1, lines: 5, interrupted: false }]);
    expect(ndjson(put.stderr)).toMatchObject([{ error: { code: "ERR_X_WORKER_CLI_JOB_LINE", line: 3 } }]);

    const work = await cli(
      "work",
      Q,
      "--handlers",
      HANDLERS,
      "--exit-when-idle",
      "2",
      "--poll-timeout",
      "50",
      "--fail-on-buried",
      "--json",
    );
    expect(work.code, work.stderr).toBe(4);
    // beanstalkd keeps no bury reason: work's own lines are where the reasons are.
    const buriedEvents = ndjson(work.stdout).filter((e) => e.event === "buried");
    expect(buriedEvents.map((e) => [e.requestType, e.reason])).toEqual([
      ["charge", "fatal"],
      ["charge", "fatal"],
      ["other", "no-handler"],
    ]);

    const listed = ndjson((await cli("list", Q, "--state", "buried", "--json")).stdout);
    expect(listed.map((job) => job.id).sort()).toEqual(buriedEvents.map((e) => e.id).sort());
    for (const job of listed) expect(job).toMatchObject({ state: "buried", message: { id: job.id } });

    expect(ndjson((await cli("pause", Q, "--json")).stdout)).toEqual([{ paused: true }]);
    const retry = await cli("retry", Q, "--state", "buried", "--type", "charge", "--json");
    expect(ndjson(retry.stdout)).toEqual([{ action: "retry", state: "buried", requestType: "charge", matched: 2, changed: 2 }]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)[0]).toMatchObject({ ready: 2, buried: 1, paused: true });
    const paused = await cli("pop", Q, "--json");
    expect(paused.code).toBe(1);
    expect(ndjson(paused.stderr)).toEqual([
      { error: { code: "ERR_X_WORKER_CLI_NO_JOB", message: "pop: no job available (the queue is paused)" } },
    ]);

    expect(ndjson((await cli("resume", Q, "--json")).stdout)).toEqual([{ paused: false }]);
    const pop = await cli("pop", Q, "--json");
    expect(pop.code, pop.stderr).toBe(0);
    expect(ndjson(pop.stdout)).toMatchObject([{ requestType: "charge", state: "reserved" }]);
    expect(ndjson((await cli("kick", Q, "--state", "buried", "--json")).stdout)).toEqual([
      { action: "kick", state: "buried", matched: 1, changed: 1 },
    ]);
  });

  it("loads 2,000 jobs from stdin through enqueueMany", { timeout: 60_000 }, async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ type: "t", payload: i, priority: i % 3 }));
    const put = await runCli(cwd, ["put", Q, "--from", "-", "--batch", "500"], `${lines.join("\n")}\n`);
    expect([put.code, put.stdout]).toEqual([0, "put: 2000 jobs\n"]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)[0]).toMatchObject({ ready: 2_000 });
  });

  it("stats, list and peek of a tube that does not exist say so and exit 1", { timeout: 60_000 }, async () => {
    for (const args of [["stats"], ["list", "--state", "ready"], ["peek", "1"]]) {
      const result = await cli(...args, Q);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^x-queue: no queue at beanstalk:\/\/.*: the tube holds no jobs and no client uses it; nothing was created\n$/,
      );
    }
  });

  it("stats --watch --json shows the enqueue rate from beanstalkd's total-jobs counter", { timeout: 60_000 }, async () => {
    expect((await cli("put", Q, "--payload", "first")).code).toBe(0);
    const { child, output, exited } = spawnCli(cwd, ["stats", Q, "--watch", "--interval", "200", "--json"]);
    await until(() => output.stdout.split("\n").length > 2, "two refreshes", 60_000);
    expect((await cli("put", Q, "--type", "t", "--count", "40")).code).toBe(0);
    const enqueuedRate = (): number => {
      const rates = ndjson(output.stdout).map((line) => line.rates as { enqueued: number | null } | null);
      return Math.max(0, ...rates.map((r) => r?.enqueued ?? 0));
    };
    await until(() => ndjson(output.stdout).at(-1)?.ready === 41, "a refresh after the puts", 60_000);
    expect(enqueuedRate()).toBeGreaterThan(0);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const lines = ndjson(output.stdout);
    expect(lines[0]).toMatchObject({ ready: 1, rates: null, at: expect.any(String) as unknown });
    expect(lines.at(-1)).toMatchObject({ ready: 41 });
    // Over any window the rates add up: what went in, less what came out, is what the queue grew by.
    for (const line of lines.slice(1)) {
      const rates = line.rates as { enqueued: number; finished: number; net: number };
      expect(rates.finished).toBeCloseTo(rates.enqueued - rates.net, 6);
    }
  });
});
