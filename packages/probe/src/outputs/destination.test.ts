import { describe, expect, it } from "vitest";
import { InvalidAddressError, UnixDatagramUnsupportedError } from "../errors.js";
import { createOutput, parseDestination } from "./destination.js";

describe("parseDestination", () => {
  it.each([
    ["stdout", { kind: "stdout" }],
    ["tcp:127.0.0.1:5000", { kind: "tcp", host: "127.0.0.1", port: 5000 }],
    ["udp:collector.example:514", { kind: "udp", host: "collector.example", port: 514 }],
    ["tcp:[::1]:5000", { kind: "tcp", host: "::1", port: 5000 }],
    ["unix:/run/c.sock", { kind: "unix", path: "/run/c.sock" }],
    ["unix-stream:/run/c.sock", { kind: "unix-stream", path: "/run/c.sock" }],
    ["file:out.jsonl", { kind: "file", path: "out.jsonl" }],
  ])("%s", (address, expected) => {
    expect(parseDestination(address)).toEqual(expected);
  });

  it.each([
    ["foo", "expected stdout, tcp:HOST:PORT"],
    ["tcp:host", "expected HOST:PORT"],
    ["tcp:host:http", 'port must be a number 1-65535, got "http"'],
    ["udp:host:70000", "port must be a number 1-65535"],
    ["unix:", "expected a path"],
    ["unix-stream:", "expected a path"],
  ])("rejects %s", (address, problem) => {
    expect(() => parseDestination(address)).toThrow(InvalidAddressError);
    expect(() => parseDestination(address)).toThrow(problem);
  });

  it("createOutput builds unix:PATH (DumbProbe's datagram socket) on the python3 relay, and refuses it with a typed error before sending anything when the relay cannot run", async () => {
    const output = createOutput("unix:/run/seismometer.sock");
    expect(output.name).toBe("unix:/run/seismometer.sock");
    await output.close();
    const missing = { relayCommand: "/nonexistent/python3" };
    expect(() => createOutput("unix:/run/seismometer.sock", missing)).toThrow(UnixDatagramUnsupportedError);
    expect(() => createOutput("unix:/run/seismometer.sock", missing)).toThrow(
      /datagram.*and \/nonexistent\/python3 was not found; install python3 or socat.*unix-stream:\/run\/seismometer\.sock/,
    );
  });

  it("createOutput builds the output named after the destination", async () => {
    const output = createOutput("tcp:[::1]:5000");
    expect(output.name).toBe("tcp:[::1]:5000");
    await output.close();
    const udp = createOutput({ kind: "udp", host: "127.0.0.1", port: 9 });
    expect(udp.name).toBe("udp:127.0.0.1:9");
    await udp.close();
    const unix = createOutput("unix-stream:/run/c.sock");
    expect(unix.name).toBe("unix-stream:/run/c.sock");
    await unix.close();
  });
});
