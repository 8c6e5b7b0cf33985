/**
 * `x-queue` as users run it: a child process per command (src/cli/main.ts through tsx), in a
 * temporary working directory with no node_modules, so adapters are found next to the CLI unless
 * a test gives the directory its own.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunResult, runTs, spawnTs, startBeanstalkd } from "@x/test-servers";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { until } from "./helpers.js";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const HANDLERS = fileURLToPath(new URL("./fixtures/handlers.ts", import.meta.url));
const STUBBORN = fileURLToPath(new URL("./fixtures/stubborn-handlers.ts", import.meta.url));
const QUEUE_BEANSTALK = fileURLToPath(new URL("../../queue-beanstalk", import.meta.url));

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-cli-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const Q = "--queue=file:./jobs?fsync=false";
/**
 * pnpm's bin shims put the workspace's hidden hoisting folder (node_modules/.pnpm/node_modules,
 * which holds every workspace package) on NODE_PATH; a user's shell has no such thing.
 */
const { NODE_PATH: _pnpmNodePath, ...userEnv } = process.env;
const cli = (...args: string[]): Promise<RunResult> => runTs(CLI, args, { cwd, env: userEnv });
/** A long-running command: its output so far, and its exit code once it exits. */
const spawnCli = (...args: string[]) => {
  const child = spawnTs(CLI, args, { cwd, env: userEnv });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, output, exited };
};
const idOf = (result: RunResult, command: string): string => {
  const match = new RegExp(`^${command}: (\\S+)`, "m").exec(result.stdout);
  if (!match?.[1]) throw new Error(`no id in ${JSON.stringify(result)}`);
  return match[1];
};

describe("x-queue on the file queue", () => {
  it("put prints the id, peek shows the payload, pop prints and acks, then peek finds nothing", async () => {
    const put = await cli("put", Q, "--type", "greet", "--payload", 'hello "world"');
    expect(put.code, put.stderr).toBe(0);
    const id = idOf(put, "put");
    const peek = await cli("peek", id, Q);
    expect(peek.code).toBe(0);
    expect(peek.stdout).toContain(`peek: ${id} (ready)`);
    expect(JSON.parse(peek.stdout.slice(peek.stdout.indexOf("{")))).toMatchObject({
      id,
      header: { request_type: "greet", attempts: 0, source: "x-queue" },
      body: { payload: 'hello "world"' },
    });
    const pop = await cli("pop", Q);
    expect(pop.code).toBe(0);
    expect(idOf(pop, "pop")).toBe(id);
    const after = await cli("peek", id, Q);
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(`peek: no job ${id}\n`);
  });

  it("put, delete, then peek finds nothing; deleting again and pop on an empty queue exit 1", async () => {
    const id = idOf(await cli("put", Q, "--payload", "x"), "put");
    const deleted = await cli("delete", id, Q);
    expect([deleted.code, deleted.stdout]).toEqual([0, `delete: ${id}\n`]);
    expect((await cli("peek", id, Q)).code).toBe(1);
    const again = await cli("delete", id, Q);
    expect([again.code, again.stderr]).toEqual([1, `delete: no job ${id}\n`]);
    const pop = await cli("pop", Q);
    expect([pop.code, pop.stderr]).toEqual([1, "pop: no job available\n"]);
  });

  it("put takes --json, --priority, --delay, --expires and --header", async () => {
    const put = await cli(
      "put",
      Q,
      "--type",
      "t",
      "--json",
      '{"n":[1,2]}',
      "--priority=-3",
      "--delay",
      "60000",
      "--expires",
      "120000",
      "--header",
      "tenant=acme",
    );
    const id = idOf(put, "put");
    const peek = await cli("peek", id, Q);
    expect(peek.stdout).toContain("(delayed)");
    const wire = JSON.parse(peek.stdout.slice(peek.stdout.indexOf("{"))) as { header: Record<string, unknown>; body: unknown };
    expect(wire.body).toEqual({ payload: { n: [1, 2] } });
    expect(wire.header).toMatchObject({ request_type: "t", priority: 0, tenant: "acme" });
    expect(Date.parse(String(wire.header.expiration)) - Date.parse(String(wire.header.delay))).toBeGreaterThan(50_000);
  });

  it("put --count shows progress on stderr and enqueues that many jobs", async () => {
    const put = await cli("put", Q, "--type", "t", "--count", "500");
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toBe("put: 500 jobs\n");
    expect(put.stderr.trim().split("\n")).toEqual([
      "put: 50/500 (10%)",
      "put: 100/500 (20%)",
      "put: 150/500 (30%)",
      "put: 200/500 (40%)",
      "put: 250/500 (50%)",
      "put: 300/500 (60%)",
      "put: 350/500 (70%)",
      "put: 400/500 (80%)",
      "put: 450/500 (90%)",
      "put: 500/500 (100%)",
    ]);
    const stats = await cli("stats", Q, "--json");
    expect(JSON.parse(stats.stdout)).toMatchObject({ ready: 500, delayed: 0, reserved: 0, buried: 0 });
  });

  it("work runs the handlers module, prints each outcome and a summary; kick revives the buried", async () => {
    await cli("put", Q, "--type", "greet", "--json", '"ada"');
    await cli("put", Q, "--type", "flaky");
    await cli("put", Q, "--type", "charge", "--json", '{"cents":250}');
    await cli("put", Q, "--type", "unknown");
    const work = await cli(
      "work",
      Q,
      "--handlers",
      HANDLERS,
      "--exit-when-idle",
      "3",
      "--poll-timeout",
      "100",
      "--heartbeat",
      "cli.test",
      "--heartbeat-period",
      "60000",
    );
    expect(work.code, work.stderr).toBe(0);
    const lines = work.stdout
      .trim()
      .split("\n")
      .map((line) => line.replace(/ \S+-\S+-\S+-\S+-\S+ /, " <id> ").replace(/in \d+ ms$/, "in <n> ms"));
    expect(lines).toEqual([
      "heartbeat.cli.test start/30",
      "heartbeat.cli.test beat/60",
      "succeeded <id> greet attempt 1 in <n> ms",
      "retried   <id> flaky attempt 1: again in 10 ms (TransientError: try again)",
      "buried    <id> charge attempt 1: fatal: FatalError: card declined for 250 cents",
      'buried    <id> unknown attempt 1: no-handler: no handler for request type "unknown"',
      "succeeded <id> flaky attempt 2 in <n> ms",
      "heartbeat.cli.test stop",
      "work: stopped (idle): 2 succeeded, 1 retried, 2 buried, 0 expired, 0 errors",
    ]);
    expect(work.stderr).toContain("hello ada");
    const kick = await cli("kick", Q, "--max", "1");
    expect(kick.stdout).toBe("kick: 1\n");
    expect((await cli("stats", Q)).stdout).toMatch(/^ready 1 {2}delayed 0 {2}reserved 0 {2}buried 1/);
  });

  it("work stops on SIGTERM and says so", async () => {
    const { child, output, exited } = spawnCli("work", Q, "--handlers", HANDLERS, "--poll-timeout", "50", "--heartbeat", "cli.test");
    // The first beat comes once the worker's first poll has come back.
    await until(() => output.stdout.includes("heartbeat.cli.test beat/"), "the worker to poll", 60_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output.stdout).toContain("heartbeat.cli.test stop\nwork: stopped (signal)");
  });

  it("work exits once it has stopped, even while an abandoned handler still holds a long timer", async () => {
    const id = idOf(await cli("put", Q, "--type", "stubborn"), "put");
    const { child, output, exited } = spawnCli("work", Q, "--handlers", STUBBORN, "--shutdown-timeout", "200", "--poll-timeout", "50");
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    await until(() => output.stderr.includes("stubborn: started"), "the handler to start", 60_000);
    child.kill("SIGTERM");
    await until(() => output.stdout.includes("work: stopped"), "the worker to stop", 60_000);
    // The handler's timer has ten minutes to go. The guard only turns a process that stays
    // alive into a readable failure; it is far longer than an exit takes on a loaded machine.
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exited,
      new Promise<string>((resolve) => {
        guard = setTimeout(() => {
          resolve("still running 60 s after it stopped");
        }, 60_000);
      }),
    ]);
    clearTimeout(guard);
    expect(outcome, output.stderr).toBe(0);
    expect(output.stdout).toMatch(/^retried .* \(shutdown\)$/m);
    expect(output.stdout).toContain("work: stopped (signal)");
    expect((await cli("peek", id, Q)).stdout).toContain(`peek: ${id} (ready)`);
  });

  it("stats --watch refreshes until SIGINT, then exits 0", async () => {
    await cli("put", Q, "--payload", "x");
    const { child, output, exited } = spawnCli("stats", Q, "--watch", "--interval", "50");
    await until(() => output.stdout.split("\n").length > 3, "three refreshes", 60_000);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const lines = output.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    // The first refresh has nothing to compute rates from; the file queue publishes no enqueue counter.
    expect(lines[0]).toBe("ready 1  delayed 0  reserved 0  buried 0  corrupt 0  |  enqueued/s -  finished/s -  failed/s -  net/s -");
    expect(new Set(lines.slice(1))).toEqual(
      new Set(["ready 1  delayed 0  reserved 0  buried 0  corrupt 0  |  enqueued/s -  finished/s -  failed/s 0.0  net/s 0.0"]),
    );
  });

  it("pop --wait waits for a job, and Ctrl-C ends the wait with no job taken", async () => {
    const { child, output, exited } = spawnCli("pop", Q, "--wait", "3600000");
    await until(() => output.stderr.includes("pop: waiting up to 3600000 ms"), "pop to wait", 60_000);
    child.kill("SIGINT");
    expect(await exited).toBe(1);
    expect(output.stderr).toContain("pop: interrupted, no job taken\n");
    const id = idOf(await cli("put", Q, "--payload", "after"), "put");
    const pop = await cli("pop", Q);
    expect(idOf(pop, "pop")).toBe(id);
  });

  it("work with a handlers module that cannot be used fails with exit 1, saying why", async () => {
    const missing = await cli("work", Q, "--handlers", "./nowhere.js");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^x-queue: cannot load the handlers module .*nowhere\.js/);
    await writeFile(join(cwd, "numbers.mjs"), "export const handlers = 5;\n");
    const wrong = await cli("work", Q, "--handlers", "./numbers.mjs");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/numbers\.mjs must export `handlers` \(or a default export\)/);
    await writeFile(join(cwd, "strings.mjs"), 'export default { greet: "hello" };\n');
    const strings = await cli("work", Q, "--handlers", "./strings.mjs");
    expect(strings.code).toBe(1);
    expect(strings.stderr).toMatch(/these handlers are neither functions nor \{ handle \} definitions: greet/);
  });

  it("work takes handler definitions ({ handle, timeoutMs, ... }) from the module as createWorker does", async () => {
    await cli("put", Q, "--type", "greet", "--payload-json", '"ada"');
    await writeFile(
      join(cwd, "definitions.mjs"),
      "export const handlers = { greet: { timeoutMs: 5000, handle: (name) => console.log(`hello ${name}`) } };\n",
    );
    const work = await cli("work", Q, "--handlers", "./definitions.mjs", "--exit-when-idle", "1", "--poll-timeout", "100");
    expect(work.code, work.stderr).toBe(0);
    expect(work.stdout).toContain("hello ada");
    await writeFile(join(cwd, "typo.mjs"), "export const handlers = { greet: { handle: () => 1, timeoutMS: 5 } };\n");
    const typo = await cli("work", Q, "--handlers", "./typo.mjs", "--exit-when-idle", "1");
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/timeoutMS/);
  });

  it("what the adapter logs as a problem reaches stderr: its constant message, then its fields", async () => {
    expect((await cli("put", Q, "--payload", "x")).code).toBe(0);
    await writeFile(join(cwd, "jobs", "ready", "not-a-job.json"), "{ this is not json");
    const stats = await cli("stats", Q);
    expect(stats.code).toBe(0);
    expect(stats.stderr).toMatch(/^x-queue: [a-z][^(\n]* \(file: ready\/not-a-job\.json; .*reason: /m);
  });

  it("a queue directory that cannot be created fails with exit 1", async () => {
    await writeFile(join(cwd, "in-the-way"), "a file where the queue's parent directory should be");
    const put = await cli("put", "--queue", "file:./in-the-way/jobs", "--payload", "x");
    expect(put.code).toBe(1);
    expect(put.stderr).toMatch(/^x-queue: .*ENOTDIR/);
  });
});

describe("x-queue usage errors exit 2", () => {
  it.each<[string, string[], RegExp]>([
    ["no command", [], /^Usage: x-queue/],
    ["an unknown command", ["frob", Q], /unknown command "frob"/],
    ["an unknown option", ["put", Q, "--colour", "red"], /Unknown option '--colour'/],
    ["a missing --queue", ["stats"], /--queue <url> is required/],
    ["an unknown queue kind", ["stats", "--queue", "redis://localhost"], /unknown kind of queue/],
    ["an unknown queue parameter", ["stats", "--queue", "file:./q?speed=fast"], /unknown parameter `speed`/],
    ["a bad --count", ["put", Q, "--count", "0"], /--count must be an integer from 1 up, got "0"/],
    ["a bad --priority", ["put", Q, "--priority", "high"], /--priority must be an integer, got "high"/],
    ["invalid --json", ["put", Q, "--json", "{nope"], /--json is not valid JSON/],
    ["--payload with --json", ["put", Q, "--payload", "a", "--json", "1"], /not both/],
    ["a reserved --header", ["put", Q, "--header", "priority=1"], /header\.priority/],
    ["peek without an id", ["peek", Q], /peek takes <id>, got none/],
    ["work without --handlers", ["work", Q], /--handlers <module> is required/],
    ["a bad --heartbeat name", ["work", Q, "--handlers", "h.js", "--heartbeat", "a b"], /--heartbeat/],
    [
      "a zero --heartbeat-period",
      ["work", Q, "--handlers", "h.js", "--heartbeat-period", "0"],
      /--heartbeat-period must be a number of milliseconds > 0 and <= 2147483647, got "0"/,
    ],
    ["a zero stats --interval", ["stats", Q, "--watch", "--interval", "0"], /--interval must be a number of milliseconds > 0/],
    ["a negative pop --wait", ["pop", Q, "--wait=-1"], /--wait must be a number of milliseconds >= 0/],
    [
      "a --sleep longer than a timer can wait",
      ["work", Q, "--handlers", "h.js", "--sleep", "3000000000"],
      /--sleep must be a number of milliseconds >= 0 and <= 2147483647/,
    ],
  ])("%s", async (_what, args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });

  it("--help and --version exit 0", async () => {
    const help = await cli("--help");
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("Commands:")]);
    const putHelp = await cli("put", "--help");
    expect(putHelp.stdout).toContain("Usage: x-queue put --queue <url> [--type <request_type>]");
    const version = await cli("--version");
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("x-queue adapters", () => {
  it("says which package to install when the adapter cannot be found", async () => {
    const result = await cli("stats", "--queue", "beanstalk://127.0.0.1:11300/jobs");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "x-queue: the beanstalk queue needs the package @x/queue-beanstalk, which is not installed; install it with: npm install @x/queue-beanstalk\n",
    );
  });

  it("loads an adapter installed in the working directory's project (beanstalkd)", async () => {
    await using server = await startBeanstalkd();
    await mkdir(join(cwd, "node_modules", "@x"), { recursive: true });
    await symlink(QUEUE_BEANSTALK, join(cwd, "node_modules", "@x", "queue-beanstalk"));
    const queue = `--queue=beanstalk://127.0.0.1:${server.port}/cli-test`;
    const put = await cli("put", queue, "--type", "greet", "--payload", "over beanstalkd");
    expect(put.code, put.stderr).toBe(0);
    const stats = await cli("stats", queue, "--json");
    expect(JSON.parse(stats.stdout)).toMatchObject({ ready: 1 });
    const pop = await cli("pop", queue);
    expect(pop.code, pop.stderr).toBe(0);
    expect(pop.stdout).toContain('"payload": "over beanstalkd"');
  });
});
