import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CommandError,
  type CommandResult,
  createChecks,
  createMessage,
  type ProbeMessage,
  shellCommand,
  shellStream,
} from "../src/index.js";
import { alive, collectUntil, waitFor } from "./support/collect.js";
import { recordingLogger } from "./support/log.js";
import { useTempDir } from "./support/temp-dir.js";

const line = (aspect: string, value: number): string => JSON.stringify(createMessage({ aspect, value, time: 1 }));
const names = (messages: readonly ProbeMessage[]): string[] => messages.map((m) => m.event.name);

describe("shellCommand (real processes)", () => {
  const dir = useTempDir("x-probe-command-");
  it("parse returning [] sends nothing", async () => {
    const checks = createChecks([shellCommand("echo hello", () => [], { intervalMs: 1_000 })]);
    expect(await checks.runOnce()).toEqual([]);
    await checks.close();
  });

  it("hands parse the stdout, the exit code and stderr; a signal gives minus its number", async () => {
    const seen: [string, number, CommandResult][] = [];
    const parse = (stdout: string, code: number, result: CommandResult): ProbeMessage => {
      seen.push([stdout, code, result]);
      return createMessage({ aspect: "cmd", value: code });
    };
    const checks = createChecks([
      shellCommand("echo out; echo err >&2; exit 3", parse, { intervalMs: 1_000, location: { host: "h" } }),
      shellCommand(["/bin/sh", "-c", "kill -TERM $$"], parse, { intervalMs: 1_000 }),
    ]);
    const messages = await checks.runOnce();
    await checks.close();
    expect(seen[0]?.[0]).toBe("out\n");
    expect(seen[0]?.[1]).toBe(3);
    expect(seen[0]?.[2]).toMatchObject({ stderr: "err\n", exitCode: 3, signal: null });
    expect(seen[1]?.[1]).toBe(-15);
    expect(seen[1]?.[2]).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    expect(messages.map((m) => [m.location, m.event.vset?.value?.value])).toEqual([
      [{ host: "h" }, 3],
      [{}, -15],
    ]);
  });

  it("kills a command whose output exceeds the limit and reports the failure", async () => {
    const logger = recordingLogger();
    const checks = createChecks([shellCommand("yes", () => [], { intervalMs: 1_000, maxOutputBytes: 10_000, aspect: "flood" })], {
      logger,
    });
    const [failure] = await checks.runOnce();
    await checks.close();
    expect(failure?.event).toMatchObject({ name: "flood", state: { value: "unknown", severity: "error" } });
    expect(failure?.event.comment).toBe("raised exception: yes: output exceeds 10000 bytes");
  });

  it("a command that outlives its timeout is killed and reported as a failure", async () => {
    const logger = recordingLogger();
    const pidFile = join(dir(), "slow.pid");
    const checks = createChecks(
      [
        shellCommand(`echo $$ > ${pidFile}; exec sleep 600`, () => [], {
          intervalMs: 1_000,
          timeoutMs: 1_000,
          aspect: "slow",
          name: "slow",
        }),
      ],
      { logger },
    );
    const [failure] = await checks.runOnce();
    await checks.close();
    expect(failure?.event).toEqual({ name: "slow", state: { value: "unknown", severity: "error" }, comment: "timed out after 1000 ms" });
    expect(logger.has("WARNING", 'check timed out check=slow id=0 error="timed out after 1000 ms"')).toBe(true);
    // On a loaded machine the shell may be killed before it wrote its pid: then nothing is left either.
    const pid = Number(await readFile(pidFile, "utf8").catch(() => "0"));
    if (pid > 0) await waitFor(() => !alive(pid));
  });

  it("validates its options", () => {
    expect(() => shellCommand("x", () => [], { intervalMs: 1, env: { A: 1 } as unknown as Record<string, string> })).toThrow(
      "`env.A` must be a string, got 1",
    );
    expect(() => shellCommand("x", () => [], { intervalMs: 1, cwd: "" })).toThrow("`cwd` must be a non-empty string");
    expect(() => shellCommand("", () => [], { intervalMs: 1 })).toThrow("`command` is an empty string");
    expect(() => shellCommand([], () => [], { intervalMs: 1 })).toThrow("`command` must be a string or a non-empty list of strings");
    expect(() => shellCommand("x", 5 as unknown as () => [], { intervalMs: 1 })).toThrow("`parse` must be a function");
    expect(() => shellCommand("x", () => [], {} as { intervalMs: number })).toThrow("`intervalMs` is required");
    expect(() => shellCommand("x", () => [], { intervalMs: 0 })).toThrow("`intervalMs` must be a finite number of milliseconds >= 1");
    expect(new CommandError("x").code).toBe("ERR_X_PROBE_COMMAND");
  });
});

describe("shellStream (real processes)", () => {
  const dir = useTempDir("x-probe-stream-");

  it("two lines come in one batch, then EOF 'child process terminated', close, and a reopen spawns a new child", async () => {
    const runs = join(dir(), "runs");
    const logger = recordingLogger();
    const stream = shellStream(`echo run >> ${runs}; printf '%s\\n%s\\n' '${line("a", 1)}' '${line("b", 2)}'`, { name: "stream" });
    const checks = createChecks([stream], { logger, reopen: { initialMs: 50, maxMs: 50, jitter: 0 } });
    const first = await checks.runNext();
    expect(names(first)).toEqual(["a", "b"]);
    const more = await collectUntil(checks, (m) => m.length >= 2);
    expect(names(more)).toEqual(["a", "b"]);
    expect(logger.has("WARNING", 'handle reached EOF handle=stream id=0 reason="child process terminated" reopenInMs=50')).toBe(true);
    expect(logger.has("INFO", "handle reopened handle=stream id=0")).toBe(true);
    expect((await readFile(runs, "utf8")).split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(2);
    await checks.close();
  });

  it.each([
    ["exit 3", "child process terminated; exit code 3"],
    ["kill -TERM $$", "child process died; signal 15"],
    ["exec 1>&-; sleep 30", "child process closed its STDOUT"],
  ])("reports how the child ended (%s)", async (script, text) => {
    const logger = recordingLogger();
    const checks = createChecks([shellStream(script, { name: "s" })], { logger, reopen: { initialMs: 60_000 } });
    checks.start();
    await waitFor(() => logger.has("WARNING", "handle reached EOF"));
    expect(logger.lines.find((l) => l.includes("handle reached EOF"))).toContain(`reason=${JSON.stringify(text)} reopenInMs=`);
    await checks.close();
  });

  it("buffers partial lines, skips a line that does not parse and keeps the others", async () => {
    const logger = recordingLogger();
    const a = line("a", 1);
    const script = `printf '%s' '${a.slice(0, 10)}'; sleep 0.3; printf '%s\\nnot json\\n%s\\n' '${a.slice(10)}' '${line("b", 2)}'; sleep 30`;
    const checks = createChecks([shellStream(script, { name: "s" })], { logger });
    const messages = await collectUntil(checks, (m) => m.length >= 2);
    expect(names(messages)).toEqual(["a", "b"]);
    expect(
      logger.lines.some((l) => l.startsWith('WARNING handle reported an error handle=s id=0 error="cannot parse line \\"not json\\"')),
    ).toBe(true);
    await checks.close();
  });

  it("a custom parse turns lines into messages; a list is several, null is nothing", async () => {
    const parse = (text: string): unknown => {
      if (text === "skip") return null;
      return text.split(",").map((v) => createMessage({ aspect: "csv", value: Number(v), time: 1 }));
    };
    const checks = createChecks([shellStream("printf '1,2\\nskip\\n3\\n'; sleep 30", { parse })]);
    const messages = await collectUntil(checks, (m) => m.length >= 3);
    expect(messages.map((m) => m.event.vset?.value?.value)).toEqual([1, 2, 3]);
    await checks.close();
  });

  it("close() kills the child", async () => {
    const pidFile = join(dir(), "stream.pid");
    const checks = createChecks([shellStream(`echo $$ > ${pidFile}; exec sleep 600`)]);
    checks.start();
    await waitFor(async () => (await readFile(pidFile, "utf8").catch(() => "")) !== "");
    const pid = Number(await readFile(pidFile, "utf8"));
    await checks.close();
    let gone = false;
    try {
      process.kill(pid, 0);
    } catch {
      gone = true;
    }
    expect(gone).toBe(true);
  });

  it("an unstartable command is retried with backoff", async () => {
    const logger = recordingLogger();
    const checks = createChecks([shellStream(["/nonexistent/stream"], { name: "missing" })], {
      logger,
      reopen: { initialMs: 20, maxMs: 20 },
    });
    checks.start();
    await waitFor(() => logger.has("WARNING", "handle reopen failed handle=missing"));
    expect(logger.lines[0]).toMatch(
      /^WARNING handle start failed handle=missing id=0 error="spawn \/nonexistent\/stream ENOENT" reopenInMs=\d+$/,
    );
    await checks.close();
  });
});
