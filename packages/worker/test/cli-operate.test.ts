/**
 * The operate commands of `x-queue` on the file queue (issue 15): an incident driven from the
 * command line and from scripts (`--json`, every line parsed), loading jobs from NDJSON, exit
 * codes, and read-only commands that never create a queue.
 */
import { execFile } from "node:child_process";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliCommand, HANDLERS, ndjson, runCli, spawnCli, userEnv } from "./cli-helpers.js";
import { until } from "./helpers.js";

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-operate-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const Q = "--queue=file:./jobs?fsync=false";
const cli = (...args: string[]) => runCli(cwd, args);

const JOBS = [
  '{"type":"charge","payload":{"cents":100}}',
  '{"type":"charge","payload":{"cents":250},"priority":-1}',
  '{"type":"greet","payload":"ada"}',
  '{"type":"nobody-handles-this"}',
  '{"type":"charge","payload":{"cents":5}',
  "",
  '{"requestType":"greet","payload":"bob","header":{"tenant":"acme"}}',
].join("\n");

describe("an incident on the file queue, from scripts (--json)", () => {
  it("load, work, find the buried with their reasons, pause, retry by type, resume", { timeout: 120_000 }, async () => {
    await writeFile(join(cwd, "jobs.ndjson"), `${JOBS}\n`);
    const put = await cli("put", Q, "--from", "jobs.ndjson", "--json");
    expect(put.code).toBe(3);
    expect(ndjson(put.stdout)).toEqual([{ put: 5, failed: 1, lines: 7, interrupted: false }]);
    expect(ndjson(put.stderr)).toEqual([
      { error: { code: "ERR_X_WORKER_CLI_JOB_LINE", message: expect.stringMatching(/^line 5: not JSON/) as unknown, line: 5 } },
    ]);

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
    const events = ndjson(work.stdout);
    expect(events.filter((e) => e.event === "succeeded").map((e) => e.requestType)).toEqual(["greet", "greet"]);
    expect(events.filter((e) => e.event === "buried").map((e) => [e.requestType, e.reason])).toEqual([
      ["charge", "fatal"],
      ["charge", "fatal"],
      ["nobody-handles-this", "no-handler"],
    ]);
    expect(events.at(-1)).toMatchObject({ event: "stopped", reason: "idle", succeeded: 2, buried: 3 });

    const buried = await cli("list", Q, "--state", "buried", "--json");
    expect(buried.code, buried.stderr).toBe(0);
    expect(buried.stderr).toBe("");
    const listed = ndjson(buried.stdout);
    expect(listed).toHaveLength(3);
    for (const job of listed) {
      expect(job).toMatchObject({ state: "buried", attempts: 1, message: { id: job.id } });
      expect(Date.parse(String(job.buriedAt))).not.toBeNaN();
    }
    expect(listed.map((job) => job.buryReason).sort()).toEqual([
      expect.stringContaining("card declined for 100 cents"),
      expect.stringContaining("card declined for 250 cents"),
      expect.stringContaining("no handler"),
    ]);
    const charges = await cli("list", Q, "--state", "buried", "--type", "charge", "--json");
    expect(ndjson(charges.stdout).map((job) => job.requestType)).toEqual(["charge", "charge"]);

    expect(ndjson((await cli("pause", Q, "--json")).stdout)).toEqual([{ paused: true }]);
    const retry = await cli("retry", Q, "--state", "buried", "--type", "charge", "--json");
    expect(ndjson(retry.stdout)).toEqual([{ action: "retry", state: "buried", requestType: "charge", matched: 2, changed: 2 }]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)).toEqual([
      { ready: 2, delayed: 0, reserved: 0, buried: 1, paused: true, extra: { corrupt: 0 } },
    ]);
    const paused = await cli("pop", Q, "--json");
    expect(paused.code).toBe(1);
    expect(ndjson(paused.stderr)).toEqual([
      { error: { code: "ERR_X_WORKER_CLI_NO_JOB", message: "pop: no job available (the queue is paused)" } },
    ]);

    expect(ndjson((await cli("resume", Q, "--json")).stdout)).toEqual([{ paused: false }]);
    const pop = await cli("pop", Q, "--json");
    expect(pop.code, pop.stderr).toBe(0);
    const [popped] = ndjson(pop.stdout);
    // Priority -1 became 0, the most urgent: that job comes first. Retrying kept its attempt count.
    expect(popped).toMatchObject({
      state: "reserved",
      requestType: "charge",
      priority: 0,
      attempts: 1,
      message: { body: { payload: { cents: 250 } } },
    });

    const kick = await cli("kick", Q, "--state", "buried", "--json");
    expect(ndjson(kick.stdout)).toEqual([{ action: "kick", state: "buried", matched: 1, changed: 1 }]);
    const remove = await cli("delete", Q, "--state", "ready", "--type", "", "--json");
    expect(ndjson(remove.stdout)).toEqual([{ action: "delete", state: "ready", requestType: "", matched: 0, changed: 0 }]);
    const removeAll = await cli("delete", Q, "--state", "ready", "--json");
    expect(ndjson(removeAll.stdout)).toEqual([{ action: "delete", state: "ready", matched: 2, changed: 2 }]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)[0]).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
  });

  it("the same incident as people read it", { timeout: 120_000 }, async () => {
    await writeFile(join(cwd, "jobs.ndjson"), `${JOBS}\n`);
    const put = await cli("put", Q, "--from", "./jobs.ndjson");
    expect([put.code, put.stdout]).toEqual([3, "put: 5 jobs, 1 failed\n"]);
    expect(put.stderr.split("\n")).toEqual([
      expect.stringMatching(/^put: line 5: not JSON: /),
      "put: 100% (5 stored, 1 failed)",
      "put: done (5 stored, 1 failed)",
      "",
    ]);
    const work = await cli("work", Q, "--handlers", HANDLERS, "--exit-when-idle", "2", "--poll-timeout", "50", "--quiet");
    expect(work.code).toBe(0);
    const list = await cli("list", Q, "--state", "buried", "--type", "charge");
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(
        /^\S+ {2}charge {2}priority \d+ {2}attempts 1 {2}enqueued \S+Z {2}buried \S+Z {2}reason: .*card declined for \d+ cents/,
      );
    }
    expect(list.stderr).toBe('list: 2 buried jobs of type "charge"\n');
    const limited = await cli("list", Q, "--state", "buried", "--limit", "1");
    expect(limited.stdout.trim().split("\n")).toHaveLength(1);
    const cursor = /continue with --cursor (\S+)/.exec(limited.stderr)?.[1];
    if (cursor === undefined) expect.fail(`no cursor in ${limited.stderr}`);
    const rest = await cli("list", Q, "--state", "buried", "--cursor", cursor);
    expect(rest.stdout.trim().split("\n")).toHaveLength(2);
    expect(new Set([...limited.stdout.trim().split("\n"), ...rest.stdout.trim().split("\n")]).size).toBe(3);

    expect((await cli("pause", Q)).stdout).toBe("pause: the queue is paused\n");
    expect((await cli("stats", Q)).stdout).toBe("ready 0  delayed 0  reserved 0  buried 3  corrupt 0  (paused)\n");
    expect((await cli("retry", Q, "--state", "buried", "--type", "charge")).stdout).toBe('retry: 2 of 2 buried jobs of type "charge"\n');
    expect((await cli("pop", Q)).stderr).toBe("pop: no job available (the queue is paused)\n");
    expect((await cli("resume", Q)).stdout).toBe("resume: the queue is running\n");
    expect((await cli("kick", Q, "--type", "nobody-handles-this")).stdout).toBe('kick: 1 of 1 buried job of type "nobody-handles-this"\n');
    expect((await cli("kick", Q, "--max", "5")).stdout).toBe("kick: 0\n");
  });
});

describe("--json on every command", () => {
  it("every line on stdout and on stderr is a JSON object, whatever the outcome", { timeout: 120_000 }, async () => {
    const put = await cli("put", Q, "--type", "t", "--json");
    const [{ id }] = ndjson(put.stdout) as [{ id: string }];
    await writeFile(join(cwd, "two.ndjson"), '{"type":"t"}\n{"type":"t","delayMs":60000}\n');
    const runs = [
      put,
      await cli("put", Q, "--type", "t", "--count", "3", "--json"),
      await cli("put", Q, "--from", "two.ndjson", "--json"),
      await cli("peek", id, Q, "--json"),
      await cli("list", Q, "--state", "ready", "--limit", "2", "--json"),
      await cli("kick", Q, "--max", "5", "--json"),
      await cli("retry", Q, "--state", "delayed", "--json"),
      await cli("pause", Q, "--json"),
      await cli("resume", Q, "--json"),
      await cli("stats", Q, "--json"),
      await cli("delete", id, Q, "--json"),
      await cli("delete", id, Q, "--json"),
      await cli("pop", Q, "--json"),
      await cli("delete", Q, "--state", "ready", "--json"),
      await cli("pop", Q, "--json"),
      await cli("work", Q, "--handlers", HANDLERS, "--exit-when-idle", "0", "--heartbeat", "cli.test", "--json"),
      await cli("frob", Q, "--json"),
      await cli("list", Q, "--json"),
      await cli("stats", "--queue", "file:./nowhere", "--json"),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 2, 2, 1]);
    for (const run of runs) {
      for (const line of [...ndjson(run.stdout), ...ndjson(run.stderr)]) expect(typeof line).toBe("object");
      // Failures say so on stderr, as an error line, and only there.
      if (run.code !== 0)
        expect(ndjson(run.stderr)).toEqual([{ error: { code: expect.any(String) as unknown, message: expect.any(String) as unknown } }]);
    }
    expect(ndjson(runs[15]?.stdout ?? "").map((line) => line.event)).toEqual(["heartbeat", "heartbeat", "heartbeat", "stopped"]);
  });
});

describe("put --from", () => {
  it("reads stdin, stores in batches, reports a bad line by its number and goes on (exit 3)", { timeout: 60_000 }, async () => {
    const lines = Array.from({ length: 2_500 }, (_, i) =>
      i === 1_234 ? '{"type":"t","priority":"high"}' : JSON.stringify({ type: "t", payload: i }),
    );
    lines.splice(10, 0, '{"id":"../x"}');
    const put = await runCli(cwd, ["put", Q, "--from", "-", "--batch", "300"], `${lines.join("\n")}\n`);
    expect(put.code).toBe(3);
    expect(put.stdout).toBe("put: 2499 jobs, 2 failed\n");
    const errors = put.stderr.split("\n").filter((line) => line.includes("line "));
    expect(errors).toEqual([expect.stringMatching(/^put: line 11: `id` must match/), "put: line 1236: `priority` must be a number"]);
    // Without a size to measure against, a line per thousand lines read (counted at the end of a batch).
    const progressLines = put.stderr.split("\n").filter((line) => !line.includes("line "));
    expect(progressLines).toEqual([
      expect.stringMatching(/^put: 1,\d{3} stored, 1 failed$/),
      expect.stringMatching(/^put: 2,\d{3} stored, 2 failed$/),
      "put: done (2,499 stored, 2 failed)",
      "",
    ]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)[0]).toMatchObject({ ready: 2_499 });
  });

  it("a custom id already in the queue fails its own line only", async () => {
    const put = await runCli(cwd, ["put", Q, "--from", "-", "--json"], '{"id":"a-1"}\n{"id":"a-1"}\n{"id":"a-2"}\n');
    expect(put.code).toBe(3);
    expect(ndjson(put.stdout)).toEqual([{ put: 2, failed: 1, lines: 3, interrupted: false }]);
    expect(ndjson(put.stderr)).toEqual([
      { error: { code: "ERR_X_QUEUE_INVALID_ARGUMENT", message: expect.stringMatching(/^line 2: .*a-1/) as unknown, line: 2 } },
    ]);
  });

  it("Ctrl-C stops reading stdin, keeps what was stored, and exits 1", { timeout: 120_000 }, async () => {
    expect((await cli("put", Q, "--payload", "first")).code).toBe(0);
    const { child, output, exited } = spawnCli(cwd, ["put", Q, "--from", "-", "--batch", "1"], { stdin: true });
    child.stdin?.write('{"type":"a"}\n{"type":"b"}\n');
    // With --batch 1 each line is stored as soon as it is read; stdin stays open, as a pipe that stalls.
    await until(
      async () => {
        const stats = ndjson((await cli("stats", Q, "--json")).stdout)[0];
        return stats?.ready === 3;
      },
      "the two lines to be stored",
      60_000,
    );
    child.kill("SIGINT");
    expect(await exited).toBe(1);
    expect(output.stdout).toBe("put: 2 jobs (interrupted)\n");
    child.stdin?.destroy();
  });

  it("draws a progress bar on a terminal", { timeout: 60_000 }, async () => {
    await writeFile(
      join(cwd, "jobs.ndjson"),
      `${Array.from({ length: 3_000 }, (_, i) => JSON.stringify({ type: "t", payload: i })).join("\n")}\n`,
    );
    const words = [...cliCommand(), "put", Q, "--from", "jobs.ndjson", "--batch", "100"].map(
      (word) => `'${word.replaceAll("'", "'\\''")}'`,
    );
    // `script` runs the command on a pseudo-terminal, as in a user's shell.
    const { stdout } = await promisify(execFile)("script", ["-qec", words.join(" "), "/dev/null"], { cwd, env: userEnv });
    expect(stdout).toMatch(new RegExp(String.raw`\r\u001b\[2Kput: \[#*-*\] +\d+% {2}[\d,]+ stored, 0 failed`));
    expect(stdout).toContain("\r\x1b[2Kput: [####################] 100%  3,000 stored, 0 failed\r\n");
    expect(stdout).toContain("put: 3000 jobs\r\n");
    expect(stdout).not.toContain("put: done");
  });
});

describe("read-only commands on a queue that does not exist", () => {
  it.each([["stats"], ["list", "--state", "ready"], ["peek", "some-id"]])("%s says so, exits 1 and creates nothing", async (...args) => {
    const human = await cli(...args, "--queue", "file:./typo");
    expect(human.code).toBe(1);
    expect(human.stderr).toBe(`x-queue: no queue at file:./typo (${join(cwd, "typo")}); nothing was created\n`);
    const json = await cli(...args, "--queue", "file:./typo", "--json");
    expect(json.code).toBe(1);
    expect(ndjson(json.stderr)).toEqual([
      { error: { code: "ERR_X_WORKER_CLI_QUEUE_NOT_FOUND", message: expect.stringContaining("no queue at file:./typo") as unknown } },
    ]);
    await expect(access(join(cwd, "typo"))).rejects.toThrow(/ENOENT/);
  });
});

describe("every bad value on the command line exits 2 with one line", () => {
  it.each<[string, string[], RegExp]>([
    ["a path as a job id", ["peek", "../etc/passwd", Q], /^x-queue: peek: "\.\.\/etc\/passwd" is not a job id/],
    ["a path to delete", ["delete", "../x", Q], /^x-queue: delete: "\.\.\/x" is not a job id/],
    ["list without --state", ["list", Q], /list: --state <ready\|delayed\|reserved\|buried> is required/],
    ["an unknown state", ["list", Q, "--state", "dead"], /list: --state must be ready, delayed, reserved or buried, got "dead"/],
    ["retry of ready jobs", ["retry", Q, "--state", "ready"], /retry: --state must be buried or delayed, got "ready"/],
    ["retry without a state", ["retry", Q], /retry: --state buried\|delayed is required/],
    ["delete of reserved jobs", ["delete", Q, "--state", "reserved"], /delete: --state must be ready, delayed or buried, got "reserved"/],
    ["delete with an id and a state", ["delete", "x", Q, "--state", "ready"], /give a job id or --state, not both/],
    ["kick --max with --state", ["kick", Q, "--max", "3", "--state", "buried"], /give --max or --state\/--type, not both/],
    ["a negative --limit", ["list", Q, "--state", "ready", "--limit", "-5"], /--limit must be an integer from 1 up, got "-5"/],
    ["a negative --max", ["kick", Q, "--max", "-1"], /--max must be an integer from 1 up, got "-1"/],
    ["put --from with --type", ["put", Q, "--from", "x.ndjson", "--type", "t"], /put --from takes every job from its lines; drop --type/],
    ["--batch without --from", ["put", Q, "--batch", "10"], /--batch goes with --from/],
    ["a --batch of 0", ["put", Q, "--from", "-", "--batch", "0"], /--batch must be an integer from 1 to 10000, got "0"/],
    [
      "an unknown beanstalk dialect",
      ["stats", "--queue", "beanstalk://127.0.0.1:1/t?dialect=cobol"],
      /`dialect` must be iso or pulpo, got "cobol"/,
    ],
    ["a nats URL without a queue", ["stats", "--queue", "nats://127.0.0.1:4222"], /the path must be one queue name/],
    ["--schedules-state alone", ["work", Q, "--handlers", "h.js", "--schedules-state", "d"], /--schedules-state goes with --schedules/],
  ])("%s", async (_what, args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(2);
    expect(result.stdout).toBe("");
  });

  it("a bad cursor is a bad value too (the queue refuses it); with --json the error is a JSON line", async () => {
    expect((await cli("put", Q, "--payload", "x")).code).toBe(0);
    const result = await cli("list", Q, "--state", "ready", "--cursor", "not-a-cursor", "--json");
    expect(result.code).toBe(2);
    expect(ndjson(result.stderr)).toEqual([
      { error: { code: "ERR_X_WORKER_CLI_USAGE", message: expect.stringMatching(/^list: `cursor` /) as unknown } },
    ]);
  });

  it("--priority -1 and --priority=-1 are accepted and become 0, as the message rules say", async () => {
    for (const priority of [["--priority", "-1"], ["--priority=-7"]]) {
      const put = await cli("put", Q, ...priority, "--json");
      expect(put.code, put.stderr).toBe(0);
      const [{ id }] = ndjson(put.stdout) as [{ id: string }];
      expect(ndjson((await cli("peek", id, Q, "--json")).stdout)).toEqual([expect.objectContaining({ id, state: "ready", priority: 0 })]);
    }
  });

  it("put --json <value> still means a JSON payload; --json alone is the output format", async () => {
    const put = await cli("put", Q, "--json", '{"n":1}', "--type", "t", "--json");
    expect(put.code, put.stderr).toBe(0);
    const [summary] = ndjson(put.stdout) as [{ id: string }];
    expect(summary).toEqual({ put: 1, failed: 0, id: expect.any(String) as unknown });
    const peek = await cli("peek", summary.id, Q, "--json");
    expect(ndjson(peek.stdout)).toEqual([
      expect.objectContaining({ requestType: "t", message: expect.objectContaining({ body: { payload: { n: 1 } } }) as unknown }),
    ]);
    const spelled = await cli("put", Q, "--payload-json", "[1,2]", "--json");
    const [{ id: spelledId }] = ndjson(spelled.stdout) as [{ id: string }];
    expect(ndjson((await cli("peek", spelledId, Q, "--json")).stdout)[0]).toMatchObject({ message: { body: { payload: [1, 2] } } });
    const negative = await cli("put", Q, "--json", "-3");
    expect(negative.code, negative.stderr).toBe(0);
    expect(negative.stdout).toMatch(/^put: \S+\n$/);
  });
});

describe("work", () => {
  it("--fail-on-buried exits 0 when nothing was buried", async () => {
    await cli("put", Q, "--type", "greet", "--json", '"ada"');
    const work = await cli("work", Q, "--handlers", HANDLERS, "--exit-when-idle", "1", "--poll-timeout", "50", "--fail-on-buried");
    expect(work.code, work.stderr).toBe(0);
  });

  it("--schedules runs @x/schedule's schedules beside the worker and closes them when it stops", { timeout: 120_000 }, async () => {
    await writeFile(
      join(cwd, "schedules.mjs"),
      'export const schedules = [{ name: "hello", everyMs: 200, job: { requestType: "greet", payload: "from a schedule" } }];\n',
    );
    const { child, output, exited } = spawnCli(cwd, [
      "work",
      Q,
      "--handlers",
      HANDLERS,
      "--schedules",
      "./schedules.mjs",
      "--poll-timeout",
      "50",
      "--json",
    ]);
    // A tick's job becomes ready two grace periods after it was enqueued (see @x/schedule).
    await until(() => output.stdout.includes('"event":"succeeded"'), "a scheduled job to run", 60_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const events = ndjson(output.stdout);
    const scheduled = events.filter((e) => e.event === "scheduled");
    expect(scheduled[0]).toMatchObject({ schedule: "hello", id: expect.stringMatching(/^sched\.hello\.\d+$/) as unknown });
    const ran = events.find((e) => e.event === "succeeded");
    expect(scheduled.map((e) => e.id)).toContain(ran?.id);
    expect(output.stderr).toContain("hello from a schedule");
    expect(events.at(-1)).toMatchObject({ event: "stopped", reason: "signal" });
  });

  it("--schedules with a module that exports no array fails with exit 1, saying why", async () => {
    await writeFile(join(cwd, "wrong.mjs"), "export const schedules = { hello: 1 };\n");
    const work = await cli("work", Q, "--handlers", HANDLERS, "--schedules", "./wrong.mjs", "--exit-when-idle", "1");
    expect(work.code).toBe(1);
    expect(work.stderr).toMatch(/wrong\.mjs must export `schedules` \(or a default export\): an array of schedule definitions/);
  });
});
