// seismometer's unix input is a SOCK_DGRAM socket, which Node cannot create or send to: these
// tests start a real one with Python and check what x-probe does with it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTs } from "@x/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./support/collect.js";
import { useTempDir } from "./support/temp-dir.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(packageDir, "src/cli/main.ts");
const CHECKS = join(packageDir, "test/fixtures/state-checks.ts");

/** Binds a unix datagram socket at argv[1], says "ready", then prints each datagram as a JSON string. */
const RECEIVER = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
print("ready", flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

/** The relay of the README, word for word: one datagram per line of x-probe's stdout. */
const RELAY = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for line in sys.stdin:
    try: s.sendto(line.encode(), sys.argv[1])
    except OSError as e: print("relay: %s" % e, file=sys.stderr)`;

interface Receiver {
  readonly datagrams: string[];
}

describe("unix datagram sockets (seismometer's unix input, a real SOCK_DGRAM socket)", () => {
  const dir = useTempDir("x-probe-dgram-");
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  async function startReceiver(path: string): Promise<Receiver> {
    const child = spawn("python3", ["-c", RECEIVER, path], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const receiver = { datagrams: [] as string[] };
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

  it("--dest unix:PATH is refused up front with the typed error's message (exit 2, no check runs, nothing lost to EPROTOTYPE)", async () => {
    const path = join(dir(), "refused.sock");
    const receiver = await startReceiver(path);
    const result = await runTs(MAIN, ["--checks", CHECKS, "--once", "--dest", `unix:${path}`], {
      cwd: packageDir,
      env: { ...process.env, STATES: "critical" },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `x-probe: invalid --destination: invalid destination "unix:${path}": a unix datagram socket (seismometer's unix input), which Node cannot send to; use unix-stream:${path} for a stream socket`,
    );
    expect(result.stderr).not.toContain("EPROTOTYPE");
    expect(receiver.datagrams).toEqual([]);
  });

  it("--dest unix-stream:PATH at a datagram socket does not lose messages silently: EPROTOTYPE is logged and --once exits 4", async () => {
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

  it("the README's relay delivers x-probe's output to the datagram socket, one message per datagram, byte for byte", async () => {
    const readme = await readFile(join(packageDir, "README.md"), "utf8");
    expect(readme).toContain(RELAY);
    const path = join(dir(), "seismometer.sock");
    const receiver = await startReceiver(path);
    const probe = await runTs(MAIN, ["--checks", CHECKS, "--once"], {
      cwd: packageDir,
      env: { ...process.env, STATES: "ok,warning", SWAP_PLUGIN: "1" },
    });
    expect(probe.code).toBe(2);
    execFileSync("python3", ["-c", RELAY, path], { input: probe.stdout });
    await waitFor(() => receiver.datagrams.length === 4);
    expect(receiver.datagrams.join("")).toBe(probe.stdout);
    expect(receiver.datagrams.map((d) => (JSON.parse(d) as { event: { name: string } }).event.name)).toEqual(["c0", "c1", "swap", "swap"]);
  });
});
