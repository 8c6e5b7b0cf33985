// seismometer's unix input is a SOCK_DGRAM socket, which Node cannot create or send to: these
// tests bind a real one with Python and check that unix:PATH reaches it through the relay.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTs, spawnTs } from "@x/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMessage,
  createOutput,
  InvalidAddressError,
  type UnixDatagramOutputEvents,
  UnixDatagramUnsupportedError,
  unixDatagramOutput,
} from "../src/index.js";
import { alive, waitFor } from "./support/collect.js";
import { recordingLogger } from "./support/log.js";
import { useTempDir } from "./support/temp-dir.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(packageDir, "src/cli/main.ts");
const CHECKS = join(packageDir, "test/fixtures/state-checks.ts");

/** Binds a unix datagram socket at argv[1] (replacing a stale one), says "ready", then prints each datagram as a JSON string. */
const RECEIVER = `
import json, os, socket, sys
if os.path.exists(sys.argv[1]): os.unlink(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
print("ready", flush=True)
while True:
    print(json.dumps(s.recv(1 << 20).decode()), flush=True)
`;

interface Receiver {
  readonly datagrams: string[];
  readonly child: ChildProcess;
}

const numbered = (i: number) => createMessage({ aspect: "m", value: i, time: 1 });
const valuesOf = (datagrams: readonly string[]): unknown[] =>
  datagrams.map((d) => (JSON.parse(d) as { event: { vset: { value: { value: unknown } } } }).event.vset.value.value);

describe("unix:PATH, a real SOCK_DGRAM socket (seismometer's unix input), through the python3 relay", () => {
  const dir = useTempDir("x-probe-dgram-");
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  async function startReceiver(path: string): Promise<Receiver> {
    const child = spawn("python3", ["-c", RECEIVER, path], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const receiver = { datagrams: [] as string[], child };
    let buffered = "";
    let ready = false;
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === "ready") ready = true;
        else receiver.datagrams.push(JSON.parse(line) as string);
      }
    });
    await waitFor(() => ready);
    return receiver;
  }

  /** Binds a datagram socket at `path` and never reads it: once its queue is full, every send blocks. */
  async function startStalledReceiver(path: string): Promise<void> {
    const script = `import socket, sys, time\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready", flush=True)\ntime.sleep(600)`;
    const child = spawn("python3", ["-c", script, path], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    await new Promise((resolve) => child.stdout.once("data", resolve));
  }

  async function stopReceiver(receiver: Receiver): Promise<void> {
    const exited = new Promise((resolve) => receiver.child.once("exit", resolve));
    receiver.child.kill("SIGKILL");
    await exited;
  }

  it("x-probe --once --dest unix:PATH sends each message as one datagram, byte for byte what stdout would print; exit code is the worst state", async () => {
    const path = join(dir(), "seismometer.sock");
    const receiver = await startReceiver(path);
    const env = { ...process.env, STATES: "ok,warning", SWAP_PLUGIN: "1" };
    const toStdout = await runTs(MAIN, ["--checks", CHECKS, "--once"], { cwd: packageDir, env });
    const toSocket = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix:${path}`], { cwd: packageDir, env });
    expect([toSocket.code, toSocket.stdout, toSocket.stderr]).toEqual([2, "", ""]);
    await waitFor(() => receiver.datagrams.length === 4);
    expect(receiver.datagrams.every((d) => d.endsWith("}\n") && d.indexOf("\n") === d.length - 1)).toBe(true);
    // Same messages as on stdout; `time` differs between the two runs, so it is compared apart.
    const withoutTime = (line: string): unknown => ({ ...(JSON.parse(line) as object), time: 0 });
    expect(receiver.datagrams.map(withoutTime)).toEqual(toStdout.stdout.trimEnd().split("\n").map(withoutTime));
    expect(receiver.datagrams.map((d) => (JSON.parse(d) as { event: { name: string } }).event.name)).toEqual(["c0", "c1", "swap", "swap"]);
  });

  it("x-probe --once --dest unix:PATH with nobody bound there: the loss is logged and the exit code is 4", async () => {
    const path = join(dir(), "nobody.sock");
    const result = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix:${path}`], {
      cwd: packageDir,
      env: { ...process.env, STATES: "ok" },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("ENOENT: No such file or directory");
    expect(result.stderr).toContain(`[error] messages were not delivered output=unix:${path} undelivered=1`);
  });

  it("the receiver going away loses (counts, logs) what is sent meanwhile; once it is back, messages arrive again through the same relay", async () => {
    const path = join(dir(), "restart.sock");
    let receiver = await startReceiver(path);
    const logger = recordingLogger();
    const output = createOutput(`unix:${path}`, { logger, warnIntervalMs: 0 });
    const started: UnixDatagramOutputEvents["relayStarted"][] = [];
    (output as ReturnType<typeof unixDatagramOutput>).on("relayStarted", (event) => started.push(event));
    output.send(numbered(1));
    output.send(numbered(2));
    await output.flush();
    await waitFor(() => receiver.datagrams.length === 2);
    expect(valuesOf(receiver.datagrams)).toEqual([1, 2]);
    expect(output.stats()).toEqual({ sent: 2, dropped: 0, pending: 0 });

    await stopReceiver(receiver); // its socket file stays: ECONNREFUSED
    output.send(numbered(3));
    await output.flush();
    expect(output.stats()).toEqual({ sent: 2, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("ECONNREFUSED"))).toBe(true);

    receiver = await startReceiver(path);
    output.send(numbered(4));
    output.send(numbered(5));
    await output.flush();
    await waitFor(() => receiver.datagrams.length === 2);
    expect(valuesOf(receiver.datagrams)).toEqual([4, 5]);
    expect(output.stats()).toEqual({ sent: 4, dropped: 1, pending: 0 });
    expect(started).toHaveLength(1);
    await output.close();
  });

  it("a relay that dies is started again; messages sent while it restarts wait for it", async () => {
    const path = join(dir(), "relay.sock");
    const receiver = await startReceiver(path);
    const output = unixDatagramOutput({ path, restartDelayMs: 50 });
    const started: (number | undefined)[] = [];
    const exited: UnixDatagramOutputEvents["relayExited"][] = [];
    output.on("relayStarted", ({ pid }) => started.push(pid));
    output.on("relayExited", (event) => exited.push(event));
    output.send(numbered(1));
    await output.flush();
    const [first] = started;
    if (first === undefined) throw new Error("the relay has no pid");
    process.kill(first, "SIGKILL");
    await waitFor(() => exited.length === 1);
    expect(exited[0]).toMatchObject({ signal: "SIGKILL", dropped: 0 });
    output.send(numbered(2));
    output.send(numbered(3));
    await output.flush();
    expect(started).toHaveLength(2);
    expect(started[1]).not.toBe(first);
    await waitFor(() => receiver.datagrams.length === 3);
    expect(valuesOf(receiver.datagrams)).toEqual([1, 2, 3]);
    expect(output.stats()).toEqual({ sent: 3, dropped: 0, pending: 0 });
    const relay = started[1];
    await output.close();
    expect(relay !== undefined && alive(relay)).toBe(false);
    expect(relay).toBeTypeOf("number");
  });

  it("the relay never outlives its process: after kill -9 of x-probe's process it ends with its stdin", async () => {
    const path = join(dir(), "orphan.sock");
    const receiver = await startReceiver(path);
    const holder = spawnTs(join(packageDir, "test/fixtures/datagram-holder.ts"), [path], { cwd: packageDir });
    children.push(holder);
    let out = "";
    holder.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => /relay \d+\n/.test(out) && receiver.datagrams.length === 1);
    const relay = Number(/relay (\d+)/.exec(out)?.[1]);
    expect(alive(relay)).toBe(true);
    holder.kill("SIGKILL");
    await waitFor(() => !alive(relay));
  });

  it("a message too large for one datagram is dropped with EMSGSIZE; the next ones go through", async () => {
    const path = join(dir(), "big.sock");
    const receiver = await startReceiver(path);
    const logger = recordingLogger();
    const output = unixDatagramOutput({ path, logger });
    output.send(createMessage({ aspect: "big", location: { host: "x".repeat(4 * 1024 * 1024) }, value: 0, time: 1 }));
    output.send(numbered(7));
    await output.flush();
    expect(output.stats()).toEqual({ sent: 1, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("EMSGSIZE"))).toBe(true);
    await waitFor(() => receiver.datagrams.length === 1);
    expect(valuesOf(receiver.datagrams)).toEqual([7]);
    await output.close();
  });

  it("a receiver that stops reading: a send blocked for sendTimeoutMs is dropped with ETIMEDOUT, and flush() comes back", async () => {
    const path = join(dir(), "slow.sock");
    await startStalledReceiver(path);
    const logger = recordingLogger();
    const output = unixDatagramOutput({ path, sendTimeoutMs: 100, logger, warnIntervalMs: 0 });
    // One at a time until the receiver's queue (net.unix.max_dgram_qlen datagrams) is full.
    let count = 0;
    while (output.stats().dropped === 0 && count < 100_000) {
      output.send(numbered(count++));
      await output.flush();
    }
    const { sent, dropped, pending } = output.stats();
    expect([sent + dropped, pending, dropped]).toEqual([count, 0, 1]);
    expect(sent).toBeGreaterThan(0);
    expect(logger.lines.some((line) => line.includes("ETIMEDOUT: the receiver took no datagram for 0.1s"))).toBe(true);
    await output.close();
  });

  it("close() does not wait for a receiver that stopped reading: the blocked relay is ended, and every message is counted sent or dropped", async () => {
    const path = join(dir(), "stalled.sock");
    await startStalledReceiver(path);
    const output = unixDatagramOutput({ path, sendTimeoutMs: 600_000 });
    const pids: (number | undefined)[] = [];
    output.on("relayStarted", ({ pid }) => pids.push(pid));
    for (let i = 0; i < 2_000; i++) output.send(numbered(i));
    await waitFor(() => output.stats().sent > 0);
    await output.close();
    const { sent, dropped, pending } = output.stats();
    expect(pending).toBe(0);
    expect(sent + dropped).toBe(2_000);
    expect(dropped).toBeGreaterThan(0);
    expect(pids).toHaveLength(1);
    expect(pids[0] !== undefined && alive(pids[0])).toBe(false);
  });

  it("without python3 and socat the output is refused up front with the typed error naming what to install", async () => {
    const noPython = join(dir(), "empty-bin");
    await mkdir(noPython);
    const path = join(dir(), "none.sock");
    const build = () => unixDatagramOutput({ path, env: { PATH: noPython } });
    expect(build).toThrow(UnixDatagramUnsupportedError);
    expect(build).toThrow(InvalidAddressError);
    expect(build).toThrow("x-probe relays the datagrams through python3 or socat, and neither was found; install python3 or socat");
    expect(() => createOutput(`unix:${path}`, { relayCommand: join(noPython, "python3") })).toThrow(UnixDatagramUnsupportedError);

    const result = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix:${path}`], {
      cwd: packageDir,
      env: { ...process.env, PATH: noPython, STATES: "critical" },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`x-probe: invalid --destination: invalid destination "unix:${path}": a unix datagram socket`);
    expect(result.stderr).toContain("install python3 or socat");
  });

  it("unix-stream:PATH at a datagram socket does not lose messages silently: EPROTOTYPE is logged and --once exits 4", async () => {
    const path = join(dir(), "wrong-kind.sock");
    await startReceiver(path);
    const result = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix-stream:${path}`, "--flush-timeout", "300"], {
      cwd: packageDir,
      env: { ...process.env, STATES: "ok" },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("EPROTOTYPE");
    expect(result.stderr).toContain(`[error] messages were not delivered output=unix-stream:${path} undelivered=1`);
  });
});
