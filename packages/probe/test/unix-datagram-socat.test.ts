// Where python3 is missing, unix:PATH falls back to one socat per message. These tests force
// that relay (or hide python3 from PATH) and check it against a real SOCK_DGRAM receiver.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTs } from "@x/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import { createMessage, UnixDatagramUnsupportedError, unixDatagramOutput } from "../src/index.js";
import { waitFor } from "./support/collect.js";
import { recordingLogger } from "./support/log.js";
import { useTempDir } from "./support/temp-dir.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(packageDir, "src/cli/main.ts");
const CHECKS = join(packageDir, "test/fixtures/state-checks.ts");
/** socat must be installed for these tests: a missing one fails them with the command to install it. */
const SOCAT = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v socat"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("socat is not installed: apt-get install socat (or brew install socat)");
  }
})();

const RECEIVER = `
import json, os, socket, sys
if os.path.exists(sys.argv[1]): os.unlink(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
if len(sys.argv) > 2:
    print("ready", flush=True)
    import time; time.sleep(600)
s.settimeout(60)
print("ready", flush=True)
while True:
    print(json.dumps(s.recv(1 << 20).decode()), flush=True)
`;

const numbered = (i: number) => createMessage({ aspect: "m", value: i, time: 1 });
const valuesOf = (datagrams: readonly string[]): unknown[] =>
  datagrams.map((d) => (JSON.parse(d) as { event: { vset: { value: { value: unknown } } } }).event.vset.value.value);

describe("unix:PATH through socat (python3 missing)", () => {
  const dir = useTempDir("x-probe-socat-");
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  /** A receiver at `path`; `stalled` binds and never reads. */
  async function startReceiver(path: string, stalled = false): Promise<{ datagrams: string[]; child: ChildProcess }> {
    const child = spawn("python3", ["-c", RECEIVER, path, ...(stalled ? ["stalled"] : [])], { stdio: ["ignore", "pipe", "inherit"] });
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

  /** A PATH with socat and nothing else. */
  async function socatOnlyPath(): Promise<string> {
    const bin = await mkdtemp(join(dir(), "socat-only-"));
    await symlink(SOCAT, join(bin, "socat"));
    return bin;
  }

  it("is chosen when python3 is not on PATH; one datagram per message, in order; the receiver going away and coming back", async () => {
    const path = join(dir(), "s.sock");
    let receiver = await startReceiver(path);
    const logger = recordingLogger();
    const output = unixDatagramOutput({ path, env: { PATH: await socatOnlyPath() }, logger, warnIntervalMs: 0 });
    let pythonRelays = 0;
    output.on("relayStarted", () => pythonRelays++);
    for (let i = 1; i <= 5; i++) output.send(numbered(i));
    await output.flush();
    await waitFor(() => receiver.datagrams.length === 5);
    expect(valuesOf(receiver.datagrams)).toEqual([1, 2, 3, 4, 5]);
    expect(receiver.datagrams.every((d) => d.endsWith("}\n"))).toBe(true);
    expect(output.stats()).toEqual({ sent: 5, dropped: 0, pending: 0 });

    const exited = new Promise((resolve) => receiver.child.once("exit", resolve));
    receiver.child.kill("SIGKILL");
    await exited;
    output.send(numbered(6));
    await output.flush();
    expect(output.stats()).toEqual({ sent: 5, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("send failed: Connection refused"))).toBe(true);

    receiver = await startReceiver(path);
    output.send(numbered(7));
    await output.flush();
    await waitFor(() => receiver.datagrams.length === 1);
    expect(valuesOf(receiver.datagrams)).toEqual([7]);
    expect(output.stats()).toEqual({ sent: 6, dropped: 1, pending: 0 });
    expect(pythonRelays).toBe(0);
    await output.close();
  });

  it("x-probe --once --dest unix:PATH with only socat on PATH delivers every message; its temporary files are gone afterwards", async () => {
    const path = join(dir(), "cli.sock");
    const receiver = await startReceiver(path);
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith("x-probe-dgram-"));
    const result = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix:${path}`], {
      cwd: packageDir,
      env: { ...process.env, PATH: await socatOnlyPath(), STATES: "ok,warning" },
    });
    expect([result.code, result.stderr]).toEqual([1, ""]);
    await waitFor(() => receiver.datagrams.length === 2);
    expect(receiver.datagrams.map((d) => (JSON.parse(d) as { event: { name: string } }).event.name)).toEqual(["c0", "c1"]);
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith("x-probe-dgram-"));
    expect(after.sort()).toEqual(before.sort());
  });

  it("nobody bound, a message too large, a receiver that stopped reading: each dropped with its reason, never counted as sent", async () => {
    const logger = recordingLogger();
    const missing = unixDatagramOutput({ path: join(dir(), "none.sock"), relay: "socat", logger, warnIntervalMs: 0 });
    missing.send(numbered(1));
    await missing.flush();
    expect(missing.stats()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("send failed: No such file or directory"))).toBe(true);
    await missing.close();

    const path = join(dir(), "big.sock");
    const receiver = await startReceiver(path);
    const big = unixDatagramOutput({ path, relay: "socat", logger, warnIntervalMs: 0 });
    big.send(createMessage({ aspect: "big", location: { host: "x".repeat(4 * 1024 * 1024) }, value: 0, time: 1 }));
    big.send(numbered(2));
    await big.flush();
    expect(big.stats()).toEqual({ sent: 1, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("send failed: Message too long"))).toBe(true);
    await waitFor(() => receiver.datagrams.length === 1);
    await big.close();

    const stalledPath = join(dir(), "stalled.sock");
    await startReceiver(stalledPath, true);
    const slow = unixDatagramOutput({ path: stalledPath, relay: "socat", sendTimeoutMs: 200, logger, warnIntervalMs: 0 });
    let count = 0;
    while (slow.stats().dropped === 0 && count < 100_000) {
      slow.send(numbered(count++));
      await slow.flush();
    }
    expect(slow.stats()).toEqual({ sent: count - 1, dropped: 1, pending: 0 });
    expect(logger.lines.some((line) => line.includes("ETIMEDOUT: the receiver took no datagram for 0.2s"))).toBe(true);
    await slow.close();
  });

  it('relay: "socat" without socat, or with a path socat cannot take, is refused up front', () => {
    const empty = dir();
    expect(() => unixDatagramOutput({ path: join(empty, "a.sock"), relay: "socat", env: { PATH: empty } })).toThrow(
      "and socat was not found; install python3 or socat",
    );
    expect(() => unixDatagramOutput({ path: join(empty, "a,b.sock"), relay: "socat" })).toThrow(UnixDatagramUnsupportedError);
    expect(() => unixDatagramOutput({ path: "/tmp/a.sock", relay: "perl" as "socat" })).toThrow(
      'option `relay` must be one of "python3", "socat"',
    );
  });
});
