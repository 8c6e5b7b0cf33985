import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, runTs, spawnTs } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { waitFor } from "./support/collect.js";
import { Collector } from "./support/collector.js";
import { useTempDir } from "./support/temp-dir.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(packageDir, "src/cli/main.ts");
const fixture = (name: string): string => join(packageDir, "test/fixtures", name);
const events = (stdout: string): string[] =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { event: { name: string } }).event.name);

/** Starts x-probe as a daemon, collecting its output; `stop()` sends a signal and resolves with the exit code. */
function startProbe(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawnTs(MAIN, [...args], { cwd: packageDir, env });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (c: Buffer) => (output.stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output.stderr += c.toString()));
  const stop = async (signal: NodeJS.Signals): Promise<number | null> => {
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  };
  return { output, stop };
}

describe("x-probe CLI (subprocess)", () => {
  const dir = useTempDir("x-probe-cli-");

  it("--once runs the checks in list order, skips handles and exits 0", async () => {
    const marker = join(dir(), "handle-opened");
    const result = await runTs(MAIN, ["--checks", fixture("list-checks.ts"), "--once"], {
      cwd: packageDir,
      env: { ...process.env, HANDLE_MARKER: marker },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(events(result.stdout)).toEqual(["a", "b"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("--once with CHECKS as an object is refused with exit 1", async () => {
    const result = await runTs(MAIN, ["--checks", fixture("object-checks.ts"), "--once"], { cwd: packageDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("CHECKS not being a list or tuple is not supported with --once option\n");
    expect(result.stdout).toBe("");
  });

  it("an invalid --destination is a usage error (exit 2)", async () => {
    const result = await runTs(MAIN, ["--checks", fixture("list-checks.ts"), "--destination", "foo"], { cwd: packageDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^x-probe: invalid --destination: invalid destination "foo": expected stdout, tcp:HOST:PORT/);
    expect(result.stderr).toContain("Usage: x-probe --checks FILE");
  });

  it("usage errors exit 2 with a clear message: missing --checks, unknown option, bad number", async () => {
    const missing = await runTs(MAIN, [], { cwd: packageDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^x-probe: --checks is required\n/);
    const unknown = await runTs(MAIN, ["--checks", "x.ts", "--frobnicate"], { cwd: packageDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^x-probe: Unknown option '--frobnicate'/);
    const badNumber = await runTs(MAIN, ["--checks", "x.ts", "--flush-timeout", "soon"], { cwd: packageDir });
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(/^x-probe: invalid --flush-timeout: expected a positive integer, got "soon"/);
    const help = await runTs(MAIN, ["--help"], { cwd: packageDir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: x-probe --checks FILE/);
  });

  it("--version and -v print the package's version and exit 0, like x-queue", async () => {
    const { version } = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const ran = await runTs(MAIN, [flag], { cwd: packageDir });
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toBe(`${version}\n`);
    }
  });

  it("a checks module that cannot be loaded or has no CHECKS exits 1 with the reason", async () => {
    const absent = await runTs(MAIN, ["--checks", "test/fixtures/absent.ts"], { cwd: packageDir });
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/^x-probe: cannot load checks module test\/fixtures\/absent.ts: /);
    const noExport = await runTs(MAIN, ["--checks", "test/fixtures/no-checks.ts"], { cwd: packageDir });
    expect(noExport.code).toBe(1);
    expect(noExport.stderr).toBe("x-probe: checks module test/fixtures/no-checks.ts does not export CHECKS\n");
    const badElement = await runTs(MAIN, ["--checks", "test/fixtures/bad-element-checks.ts", "--once"], { cwd: packageDir });
    expect(badElement.code).toBe(1);
    expect(badElement.stderr).toBe(
      "x-probe: invalid CHECKS in test/fixtures/bad-element-checks.ts: check #1 is neither a check (nextRun() and run()) nor a handle (open(), readMessages(), close())\n",
    );
    expect(badElement.stdout).toBe("");
  });

  it("SIGTERM while idle logs 'received signal; shutting down' and exits 0", async () => {
    const probe = startProbe(["--checks", fixture("idle-checks.ts"), "--log-level", "info"]);
    await waitFor(() => probe.output.stdout.includes("\n"));
    expect(await probe.stop("SIGTERM")).toBe(0);
    expect(events(probe.output.stdout)).toEqual(["ready"]);
    expect(probe.output.stderr).toContain("[info] received signal; shutting down\n");
  });

  it("SIGINT flushes the tcp output before exiting: the message reaches the collector", async () => {
    const port = await freePort();
    const collector = new Collector();
    await collector.listen({ port });
    const ran = join(dir(), "ran-sigint");
    const probe = startProbe(["--checks", fixture("idle-checks.ts"), "--dest", `tcp:127.0.0.1:${port}`], {
      ...process.env,
      RAN_MARKER: ran,
    });
    await waitFor(() => existsSync(ran));
    expect(await probe.stop("SIGINT")).toBe(0);
    await waitFor(() => collector.lines.length === 1);
    expect(events(collector.lines.join("\n"))).toEqual(["ready"]);
    await collector.stop();
  });

  it("--once delivers to a tcp destination before exiting, and gives up after --flush-timeout when it is down", async () => {
    const port = await freePort();
    const collector = new Collector();
    await collector.listen({ port });
    const up = await runTs(MAIN, ["--checks", fixture("list-checks.ts"), "--once", "--destination", `tcp:127.0.0.1:${port}`], {
      cwd: packageDir,
    });
    expect(up.code).toBe(0);
    await waitFor(() => collector.lines.length === 2);
    expect(events(collector.lines.join("\n"))).toEqual(["a", "b"]);
    await collector.stop();

    const down = await runTs(
      MAIN,
      ["--checks", fixture("list-checks.ts"), "--once", "--destination", `tcp:127.0.0.1:${port}`, "--flush-timeout", "300"],
      { cwd: packageDir },
    );
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`[error] messages were not delivered output=tcp:127.0.0.1:${port} undelivered=2`);
    expect(down.stderr).toContain(`[warning] could not deliver everything in time output=tcp:127.0.0.1:${port} flushTimeoutMs=300`);
    expect(down.stderr).toContain(`closed with undelivered messages output=tcp:127.0.0.1:${port} undelivered=2`);
  });

  it("runs a CHECKS object in daemon mode, skipping invalid messages, until SIGTERM", async () => {
    const probe = startProbe(["--checks", fixture("object-checks.ts"), "--destination", "stdout"]);
    await waitFor(() => probe.output.stdout.split("\n").length > 3);
    expect(await probe.stop("SIGTERM")).toBe(0);
    expect(new Set(events(probe.output.stdout))).toEqual(new Set(["runner"]));
    expect(probe.output.stderr).toContain('[warning] CHECKS.runNext() produced an invalid message reason="v must be 3, got nothing"');
  });

  it.each([
    ["", 0],
    ["ok", 0],
    ["ok,warning", 1],
    ["unknown,ok", 3],
    ["throws", 3],
    ["warning,unknown", 1],
    ["unknown,critical,warning", 2],
  ])("--once with states %j exits %i (the worst Nagios state: critical > warning > unknown > ok)", async (states, code) => {
    const result = await runTs(MAIN, ["--checks", fixture("state-checks.ts"), "--once"], {
      cwd: packageDir,
      env: { ...process.env, STATES: states },
    });
    expect(result.code, result.stderr).toBe(code);
    expect(events(result.stdout)).toEqual(
      states
        .split(",")
        .filter(Boolean)
        .map((_, i) => (states === "throws" ? "anonymous()" : `c${i}`)),
    );
  });

  it("--once exits 2 for check_swap's CRITICAL whose perfdata thresholds carry no state, and prints the state-only message", async () => {
    const result = await runTs(MAIN, ["--checks", fixture("state-checks.ts"), "--once"], {
      cwd: packageDir,
      env: { ...process.env, STATES: "ok", SWAP_PLUGIN: "1" },
    });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: Record<string, unknown> });
    expect(lines.map((l) => l.event.name)).toEqual(["c0", "swap", "swap"]);
    expect(lines[1]?.event.state).toBeUndefined();
    expect(lines[2]?.event).toEqual({ name: "swap", state: { value: "critical", severity: "error" } });
  });

  it("--once exits 4 when a message was dropped, even if every check is ok", async () => {
    const port = await freePort();
    const result = await runTs(
      MAIN,
      ["--checks", fixture("state-checks.ts"), "--once", "--dest", `tcp:127.0.0.1:${port}`, "--flush-timeout", "200"],
      {
        cwd: packageDir,
        env: { ...process.env, STATES: "ok" },
      },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`messages were not delivered output=tcp:127.0.0.1:${port} undelivered=1`);
  });

  it("--logging FILE appends the logs to FILE (0600) instead of stderr; --log-level still filters", async () => {
    const log = join(dir(), "probe.log");
    const port = await freePort();
    const args = [
      "--checks",
      fixture("state-checks.ts"),
      "--once",
      "--dest",
      `tcp:127.0.0.1:${port}`,
      "--flush-timeout",
      "200",
      "--logging",
      log,
    ];
    const first = await runTs(MAIN, args, { cwd: packageDir, env: { ...process.env, STATES: "ok" } });
    expect(first.code).toBe(4);
    expect(first.stderr).toBe("");
    expect(await readFile(log, "utf8")).toContain(`[error] messages were not delivered output=tcp:127.0.0.1:${port} undelivered=1\n`);
    expect((await stat(log)).mode & 0o777).toBe(0o600);
    const second = await runTs(MAIN, [...args, "--log-level", "error"], { cwd: packageDir, env: { ...process.env, STATES: "ok" } });
    expect(second.code).toBe(4);
    const text = await readFile(log, "utf8");
    // Appended, and the second run's warnings were filtered out.
    expect(text.match(/\[error\] messages were not delivered/g)).toHaveLength(2);
    expect(text.match(/\[warning\] could not deliver everything in time/g)).toHaveLength(1);
    const alias = await runTs(MAIN, ["--checks", fixture("state-checks.ts"), "--once", "--log-file", log, "--log-level", "debug"], {
      cwd: packageDir,
      env: { ...process.env, STATES: "ok" },
    });
    expect(alias.code).toBe(0);
    expect(await readFile(log, "utf8")).toMatch(/\[debug\] /);
  });

  it("--logging refuses a logging configuration file and a log file it cannot open", async () => {
    const config = await runTs(MAIN, ["--checks", fixture("state-checks.ts"), "--once", "--logging", "logging.yaml"], { cwd: packageDir });
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(
      /^x-probe: invalid --logging "logging.yaml": x-probe appends its logs to this file and does not read logging configurations/,
    );
    const missingDir = await runTs(MAIN, ["--checks", fixture("state-checks.ts"), "--once", "--logging", join(dir(), "no/such/dir.log")], {
      cwd: packageDir,
    });
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toMatch(/^x-probe: cannot open log file .*ENOENT/);
  });

  it("writes to a file destination", async () => {
    const path = join(dir(), "out.jsonl");
    const result = await runTs(MAIN, ["--checks", fixture("list-checks.ts"), "--once", "--destination", `file:${path}`], {
      cwd: packageDir,
    });
    expect(result.code).toBe(0);
    expect(events(await readFile(path, "utf8"))).toEqual(["a", "b"]);
  });
});
