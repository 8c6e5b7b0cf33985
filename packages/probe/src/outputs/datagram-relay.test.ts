import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseDatagramRelay, findExecutable, frameDatagram, parseRelayAnswer, socatCanAddress } from "./datagram-relay.js";

describe("the datagram relay's protocol", () => {
  it("frames a datagram with its 4-byte big-endian length", () => {
    expect([...frameDatagram(Buffer.from("ab\n"))]).toEqual([0, 0, 0, 3, 0x61, 0x62, 0x0a]);
    expect([...frameDatagram(Buffer.alloc(0x010203))].slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it("reads the relay's answers", () => {
    expect(parseRelayAnswer("ok")).toEqual({ ok: true });
    expect(parseRelayAnswer("error ECONNREFUSED: Connection refused")).toEqual({ ok: false, reason: "ECONNREFUSED: Connection refused" });
    expect(parseRelayAnswer("Traceback")).toEqual({ ok: false, reason: 'unexpected relay output "Traceback"' });
  });
});

describe("findExecutable", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it("finds the first executable of that name on PATH, a path as given, and nothing when there is none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-probe-path-"));
    made.push(dir);
    await writeFile(join(dir, "relay"), "#!/bin/sh\n");
    await writeFile(join(dir, "not-executable"), "");
    await chmod(join(dir, "relay"), 0o755);
    expect(findExecutable("relay", `/nonexistent${delimiter}${dir}`)).toBe(join(dir, "relay"));
    expect(findExecutable("not-executable", dir)).toBeUndefined();
    expect(findExecutable("relay", undefined)).toBeUndefined();
    expect(findExecutable(join(dir, "relay"), undefined)).toBe(join(dir, "relay"));
    expect(findExecutable(join(dir, "missing"), dir)).toBeUndefined();
  });
});

describe("chooseDatagramRelay", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  async function bin(...names: string[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "x-probe-relays-"));
    made.push(dir);
    for (const name of names) {
      await writeFile(join(dir, name), "#!/bin/sh\n");
      await chmod(join(dir, name), 0o755);
    }
    return dir;
  }

  it("prefers python3, falls back to socat, and takes what it is told", async () => {
    const both = await bin("python3", "socat");
    const socatOnly = await bin("socat");
    const none = await bin();
    expect(chooseDatagramRelay("/run/s.sock", { searchPath: both })).toEqual({ relay: "python3", command: join(both, "python3") });
    expect(chooseDatagramRelay("/run/s.sock", { searchPath: socatOnly })).toEqual({ relay: "socat", command: join(socatOnly, "socat") });
    expect(chooseDatagramRelay("/run/s.sock", { searchPath: none })).toBeUndefined();
    expect(chooseDatagramRelay("/run/s.sock", { relay: "socat", searchPath: both })).toEqual({
      relay: "socat",
      command: join(both, "socat"),
    });
    // An interpreter named on its own is a python3: no quiet fallback to socat.
    expect(chooseDatagramRelay("/run/s.sock", { relayCommand: "/nonexistent/python3", searchPath: socatOnly })).toBeUndefined();
  });

  it("never hands socat a path it would read as address syntax", async () => {
    const socatOnly = await bin("socat");
    for (const path of ["/run/a,b.sock", "/run/a:b.sock", "/run/a b.sock", "/run/a!!b.sock", "/run/a\\b.sock"]) {
      expect(socatCanAddress(path)).toBe(false);
      expect(chooseDatagramRelay(path, { searchPath: socatOnly })).toBeUndefined();
    }
    expect(socatCanAddress("/run/seismometer/input-1.sock")).toBe(true);
  });
});
