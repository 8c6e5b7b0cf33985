import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findExecutable, frameDatagram, parseRelayAnswer } from "./datagram-relay.js";

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
