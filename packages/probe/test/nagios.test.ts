import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Command,
  createChecks,
  createMessage,
  functionCheck,
  isMetric,
  isState,
  type NagiosCheckOptions,
  nagiosCheck,
  type ProbeMessage,
} from "../src/index.js";
import { alive, collectUntil, waitFor } from "./support/collect.js";
import { recordingLogger } from "./support/log.js";
import { useTempDir } from "./support/temp-dir.js";

/** seismometer.message's is_valid, is_metric and is_state, applied to each JSON line on stdin. */
const SEISMOMETER_HELPERS = `
import json, sys
def is_valid(d):
    return isinstance(d, dict) and d.get("v") == 3 and isinstance(d.get("event"), dict) \\
        and isinstance(d["event"].get("name"), str) and isinstance(d.get("time"), (int, float)) \\
        and isinstance(d.get("location"), dict)
def is_metric(d):
    return isinstance(d["event"].get("vset"), dict)
def is_state(d):
    return isinstance(d["event"].get("state"), dict) and isinstance(d["event"]["state"].get("value"), str)
for line in sys.stdin:
    d = json.loads(line)
    print(" ".join(["valid" if is_valid(d) else "invalid"] + (["metric"] if is_metric(d) else []) + (["state"] if is_state(d) else [])))
`;

const base: NagiosCheckOptions = { aspect: "load", intervalMs: 10_000, location: { host: "h" } };

async function runPlugin(script: Command, options: Partial<NagiosCheckOptions> = {}): Promise<ProbeMessage> {
  const checks = createChecks([nagiosCheck(script, { ...base, ...options })]);
  const [message, ...rest] = await checks.runOnce();
  await checks.close();
  expect(rest).toEqual([]);
  if (message === undefined) throw new Error("no message");
  return message;
}

describe("nagios (real plugin processes)", () => {
  const dir = useTempDir("x-probe-nagios-");

  it("exit 0 without perfdata is ok/expected with the location", async () => {
    const message = await runPlugin("printf 'USERS OK - 2 users\\n'; exit 0");
    expect(message).toMatchObject({ v: 3, location: { host: "h" }, event: { name: "load", state: { value: "ok", severity: "expected" } } });
    expect(message.event.vset).toBeUndefined();
  });

  it("stateMessage: false is DumbProbe's output: thresholds in the perfdata replace the state", async () => {
    const message = await runPlugin("printf 'LOAD WARNING | load1=0.300;0.250;0.500;0;\\n'; exit 1", { stateMessage: false });
    expect(message.event.state).toBeUndefined();
    expect(message.event.vset).toEqual({
      load1: {
        value: 0.3,
        threshold_high: [
          { name: "warning", value: 0.25, severity: "warning" },
          { name: "critical", value: 0.5, severity: "error" },
        ],
        min: 0,
      },
    });
  });

  it("keeps the plugin's verdict: with thresholds, a state-only message for the aspect follows the metric message", async () => {
    // check_swap on a host without swap: critical, although the value meets every threshold.
    const plugin =
      "printf 'SWAP CRITICAL - 100%% free (0 MB out of 0 MB) - Swap is either disabled, not present, or of zero size. |swap=0B;0;0;0;0\\n'; exit 2";
    const checks = createChecks([nagiosCheck(plugin, { ...base, aspect: "swap" })]);
    const messages = await checks.runOnce();
    await checks.close();
    expect(messages.map((m) => m.event)).toEqual([
      {
        name: "swap",
        vset: {
          swap: {
            value: 0,
            unit: "B",
            threshold_high: [
              { name: "warning", value: 0, severity: "warning" },
              { name: "critical", value: 0, severity: "error" },
            ],
            min: 0,
            max: 0,
          },
        },
      },
      { name: "swap", state: { value: "critical", severity: "error" } },
    ]);
    // Both are plain seismometer v3 messages with the check's location: a metric one and a state one.
    expect(messages.map((m) => [isMetric(m), isState(m), m.location])).toEqual([
      [true, false, { host: "h" }],
      [false, true, { host: "h" }],
    ]);
    // seismometer's own helpers (is_valid, is_metric, is_state in seismometer.message), run by
    // Python on the wire lines, accept both.
    const verdicts = execFileSync("python3", ["-c", SEISMOMETER_HELPERS], { input: messages.map((m) => JSON.stringify(m)).join("\n") });
    expect(verdicts.toString()).toBe("valid metric\nvalid state\n");
  });

  it("the state-only message carries the plugin's text when comment is on", async () => {
    const checks = createChecks([nagiosCheck("printf 'LOAD WARNING | load1=0.300;0.250;0.500;0;\\n'; exit 1", { ...base, comment: true })]);
    const [metricMessage, stateMessage, ...rest] = await checks.runOnce();
    await checks.close();
    expect(rest).toEqual([]);
    expect(metricMessage?.event.state).toBeUndefined();
    expect(stateMessage?.event).toEqual({ name: "load", state: { value: "warning", severity: "warning" }, comment: "LOAD WARNING" });
  });

  it("values without thresholds keep the state (critical/error)", async () => {
    const message = await runPlugin("printf \"X | 'disk usage'=50%%;;;0;100\\n\"; exit 2");
    expect(message.event).toEqual({
      name: "load",
      state: { value: "critical", severity: "error" },
      vset: { "disk usage": { value: 50, unit: "%", min: 0, max: 100 } },
    });
  });

  it("a malformed item is skipped and logged, the good ones kept; the state stays ok", async () => {
    const logger = recordingLogger();
    const checks = createChecks([nagiosCheck("echo 'OK | a=1 b=10:20'", base)], { logger });
    const [message] = await checks.runOnce();
    await checks.close();
    expect(message?.event).toEqual({ name: "load", state: { value: "ok", severity: "expected" }, vset: { a: { value: 1 } } });
    expect(
      logger.entries.some(
        (e) =>
          e.level === "WARNING" &&
          e.message === "bad performance data" &&
          e.fields.check === "echo 'OK | a=1 b=10:20'" &&
          e.fields.problem === "'b': bad value \"10:20\"",
      ),
    ).toBe(true);
  });

  it("an item that cannot be represented, or labelled __proto__/constructor/prototype, is skipped and reported on its own", async () => {
    const logger = recordingLogger();
    const plugin = "echo 'DISK CRITICAL | a=1 big=1e309 constructor=2 __proto__=3 prototype=4 a=9 c=5MB'; exit 2";
    const checks = createChecks([nagiosCheck(plugin, base)], { logger });
    const [message, ...rest] = await checks.runOnce();
    await checks.close();
    expect(rest).toEqual([]);
    // The plugin's state and every other value survive.
    expect(message?.event).toEqual({
      name: "load",
      state: { value: "critical", severity: "error" },
      vset: { a: { value: 1 }, c: { value: 5, unit: "MB" } },
    });
    const reports = logger.entries.filter((e) => e.message === "bad performance data").map((e) => String(e.fields.problem));
    expect(reports).toHaveLength(5);
    expect(reports.join("\n")).toContain("'big': value \"1e309\" is out of range");
    for (const label of ["constructor", "__proto__", "prototype"]) {
      expect(reports.join("\n")).toContain(`'${label}': the label cannot be a value name`);
    }
    expect(reports.join("\n")).toContain("'a': the label appears again; the first value is kept");
    expect(Object.prototype).not.toHaveProperty("value");
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "a perfdata label %s alone is skipped and reported by itself: the message keeps the plugin's state and the value next to it",
    async (label) => {
      const logger = recordingLogger();
      const checks = createChecks([nagiosCheck(`echo 'SWAP CRITICAL | ${label}=7;1;2 swap=0B;0;0;0;0'; exit 2`, base)], { logger });
      const messages = await checks.runOnce();
      await checks.close();
      expect(messages.map((m) => m.event.state?.value)).toContain("critical");
      expect(JSON.stringify(messages)).not.toContain(`"${label}"`);
      expect(messages.some((m) => m.event.vset !== undefined && Object.hasOwn(m.event.vset, "swap"))).toBe(true);
      const reports = logger.entries.filter((e) => e.message === "bad performance data").map((e) => String(e.fields.problem));
      expect(reports).toEqual([expect.stringContaining(`'${label}': the label cannot be a value name`)]);
      expect(Object.prototype).not.toHaveProperty("value");
    },
  );

  it("exit 3 and death by a signal are unknown/error", async () => {
    expect((await runPlugin("echo 'UNKNOWN - no idea'; exit 3")).event.state).toEqual({ value: "unknown", severity: "error" });
    expect((await runPlugin("kill -9 $$")).event.state).toEqual({ value: "unknown", severity: "error" });
    expect((await runPlugin("exit 42")).event.state).toEqual({ value: "unknown", severity: "error" });
  });

  it("reads perfdata from several lines and puts the text in the comment when asked", async () => {
    const script = "printf 'DISK OK | a=1\\nlong text\\nmore | b=2MB\\nc=3\\n'";
    const message = await runPlugin(script, { comment: true });
    expect(message.event).toEqual({
      name: "load",
      state: { value: "ok", severity: "expected" },
      comment: "DISK OK",
      vset: { a: { value: 1 }, b: { value: 2, unit: "MB" }, c: { value: 3 } },
    });
  });

  it("validates its options, naming the bad one", () => {
    expect(() => nagiosCheck("true", { ...base, comment: "yes" as unknown as boolean })).toThrow(
      "`comment` must be true or false, got yes",
    );
    expect(() => nagiosCheck("true", { intervalMs: 1 } as NagiosCheckOptions)).toThrow("`aspect` is required");
    expect(() => nagiosCheck("true", { ...base, maxOutputBytes: 0 })).toThrow("`maxOutputBytes` must be a number >= 1, got 0");
    expect(() => nagiosCheck("true", { ...base, stateMessage: 1 as unknown as boolean })).toThrow(
      "`stateMessage` must be true or false, got 1",
    );
  });

  it("runs a list command directly, without a shell", async () => {
    const message = await runPlugin(["/bin/echo", "PING OK | rta=0.5ms;100;500"], { stateMessage: false });
    expect(message.event.vset?.rta).toEqual({
      value: 0.5,
      unit: "ms",
      threshold_high: [
        { name: "warning", value: 100, severity: "warning" },
        { name: "critical", value: 500, severity: "error" },
      ],
    });
  });

  it("a missing plugin binary is reported unknown with the reason", async () => {
    const message = await runPlugin(["/nonexistent/check_thing"]);
    expect(message.event.state).toEqual({ value: "unknown", severity: "error" });
    expect(message.event.comment).toMatch(/^plugin failed: cannot run \/nonexistent\/check_thing: spawn \/nonexistent\/check_thing ENOENT/);
  });

  it("a hung plugin does not freeze the probe: other checks keep running, it is killed (with its children) and reported unknown", async () => {
    const pidFile = join(dir(), "hung.pid");
    // The plugin starts a grandchild, so killing only the shell would not be enough.
    const hung = nagiosCheck(`sleep 600 & echo $! > ${pidFile}; wait`, { aspect: "hung", intervalMs: 600_000, timeoutMs: 3_000 });
    let whileHung = 0;
    const ticker = functionCheck(
      async () => {
        const pid = Number(await readFile(pidFile, "utf8").catch(() => "0"));
        if (pid > 0 && alive(pid)) whileHung++;
        return createMessage({ aspect: "tick", value: whileHung });
      },
      { intervalMs: 20 },
    );
    const checks = createChecks([hung, ticker]);
    const messages = await collectUntil(checks, (m) => m.some((x) => x.event.name === "hung"));
    const failure = messages.find((x) => x.event.name === "hung");
    expect(failure?.event).toEqual({
      name: "hung",
      state: { value: "unknown", severity: "error" },
      comment: "plugin timed out after 3000 ms",
    });
    expect(whileHung).toBeGreaterThan(0);
    const grandchild = Number(await readFile(pidFile, "utf8"));
    await waitFor(() => !alive(grandchild));
    await checks.close();
  });
});
