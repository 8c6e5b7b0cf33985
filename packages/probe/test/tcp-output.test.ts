import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createMessage, type ProbeMessage, tcpOutput, unixOutput } from "../src/index.js";
import { waitFor } from "./support/collect.js";
import { Collector } from "./support/collector.js";
import { FakeClock } from "./support/fake-clock.js";
import { recordingLogger } from "./support/log.js";

const numbered = (i: number): ProbeMessage => createMessage({ aspect: "m", value: i, time: 1 });
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("tcpOutput (real sockets)", () => {
  it("spools while the destination refuses, then drains in FIFO order as soon as it is back", async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const collector = new Collector();
    await using output = tcpOutput({ host: "127.0.0.1", port, logger, reconnect: { initialMs: 20, maxMs: 50 } });
    for (const i of [1, 2, 3]) output.send(numbered(i));
    expect(output.stats()).toEqual({ sent: 0, dropped: 0, pending: 3 });
    await waitFor(() => logger.has("WARNING", "reconnecting failed"));
    expect(output.connected).toBe(false);
    await collector.listen({ port });
    // No 4th message needed: the background reconnect drains the spool by itself.
    await waitFor(() => collector.lines.length === 3);
    expect(logger.has("INFO", `sent pending messages output=tcp:127.0.0.1:${port} sent=3 left=0`)).toBe(true);
    output.send(numbered(4));
    await output.flush();
    await waitFor(() => collector.lines.length === 4);
    expect(collector.values()).toEqual([1, 2, 3, 4]);
    expect(output.stats()).toEqual({ sent: 4, dropped: 0, pending: 0 });
    await collector.stop();
  });

  it("loses nothing within the spool bound when the destination goes away and comes back", async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const first = new Collector();
    await first.listen({ port });
    await using output = tcpOutput({ host: "127.0.0.1", port, logger, reconnect: { initialMs: 20, maxMs: 100 } });
    for (const i of range(1, 500)) output.send(numbered(i));
    await output.flush();
    await waitFor(() => first.lines.length === 500);

    const disconnected = new Promise<void>((resolve) => {
      const off = output.on("disconnected", () => {
        off();
        resolve();
      });
    });
    await first.stop();
    await disconnected;
    for (const i of range(501, 1_000)) output.send(numbered(i));
    expect(output.stats().pending).toBe(500);
    // Let a few reconnect attempts fail while it is away.
    await waitFor(() => logger.has("WARNING", "reconnecting failed"));

    const second = new Collector();
    await second.listen({ port });
    await output.flush();
    await waitFor(() => second.lines.length === 500);
    expect([...first.values(), ...second.values()]).toEqual(range(1, 1_000));
    expect(output.stats()).toEqual({ sent: 1_000, dropped: 0, pending: 0 });
    expect(logger.has("WARNING", "lost connection")).toBe(true);
    expect(logger.has("INFO", "reconnected")).toBe(true);
    await second.stop();
  });

  it("follows backpressure: a collector that stalls gets every line whole and in order once it reads again", async () => {
    const port = await freePort();
    const collector = new Collector();
    await collector.listen({ port }, { paused: true });
    // 2,000 lines of 16 KB: far more than the kernel's socket buffers hold, so writes push back.
    const big = (i: number): ProbeMessage => createMessage({ aspect: "m", value: i, time: 1, comment: "x".repeat(16_000) });
    await using output = tcpOutput({ host: "127.0.0.1", port, spoolBytes: 64 * 1024 * 1024 });
    for (const i of range(1, 2_000)) output.send(big(i));
    await waitFor(() => collector.connections === 1);
    // Nothing is read and 32 MB do not fit in the socket buffers: lines are still waiting, none dropped.
    expect(output.stats().pending).toBeGreaterThan(0);
    expect(output.stats().dropped).toBe(0);
    collector.resume();
    await output.flush();
    await waitFor(() => collector.lines.length === 2_000);
    // Whole lines, byte for byte, in order: no line was cut or sent twice.
    expect(collector.lines.every((line, i) => line === JSON.stringify(big(i + 1)))).toBe(true);
    expect(output.stats()).toEqual({ sent: 2_000, dropped: 0, pending: 0 });
    await collector.stop();
  });

  it("beyond the spool bound the oldest lines are dropped, counted, and warned about at most once per interval", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const port = await freePort();
    const logger = recordingLogger();
    const lineBytes = Buffer.byteLength(`${JSON.stringify(numbered(100))}\n`);
    const output = tcpOutput({
      host: "127.0.0.1",
      port,
      logger,
      time: clock,
      spoolBytes: 10 * lineBytes,
      warnIntervalMs: 30_000,
      reconnect: { initialMs: 1_000, maxMs: 1_000, jitter: 0 },
    });
    const dropped: number[] = [];
    output.on("dropped", ({ count }) => dropped.push(count));
    for (const i of range(100, 114)) output.send(numbered(i));
    expect(output.stats()).toEqual({ sent: 0, dropped: 5, pending: 10 });
    const warnings = (): string[] => logger.lines.filter((l) => l.includes("dropped"));
    expect(warnings()).toEqual([`WARNING dropped pending messages output=tcp:127.0.0.1:${port} dropped=1`]);
    await clock.advance(30_000);
    output.send(numbered(115));
    expect(warnings()).toEqual([
      `WARNING dropped pending messages output=tcp:127.0.0.1:${port} dropped=1`,
      `WARNING dropped pending messages output=tcp:127.0.0.1:${port} dropped=5`,
    ]);
    expect(dropped).toEqual([1, 1, 1, 1, 1, 1]);

    const collector = new Collector();
    await collector.listen({ port });
    while (collector.lines.length < 10) await clock.advance(1_000);
    expect(collector.values()).toEqual(range(106, 115));
    await output.close();
    await collector.stop();
  });

  it("close() is idempotent, counts what was left undelivered, and send() afterwards throws", async () => {
    const logger = recordingLogger();
    const output = tcpOutput({ host: "127.0.0.1", port: await freePort(), logger });
    output.send(numbered(1));
    await output.close();
    await output.close();
    expect(output.stats()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(logger.lines.some((l) => l.includes("closed with undelivered messages") && l.endsWith("undelivered=1"))).toBe(true);
    expect(() => {
      output.send(numbered(2));
    }).toThrow(/is closed/);
  });

  it("flush() gives up when its signal aborts", async () => {
    await using output = tcpOutput({ host: "127.0.0.1", port: await freePort() });
    output.send(numbered(1));
    await expect(output.flush({ signal: AbortSignal.timeout(50) })).rejects.toThrow();
  });

  it("validates its options", () => {
    expect(() => tcpOutput({ host: "", port: 1 })).toThrow("`host`");
    expect(() => tcpOutput({ host: "x", port: 0 })).toThrow("`port` must be a port number 1-65535, got 0");
    expect(() => tcpOutput({ host: "x", port: 1, spoolBytes: 0 })).toThrow("`spoolBytes`");
    expect(() => tcpOutput({ host: "x", port: 1, reconnect: { factor: 0.5 } })).toThrow("`reconnect.factor`");
  });
});

describe("unixOutput (real unix socket)", () => {
  it("spools while nobody listens and delivers once the socket appears", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-probe-unix-"));
    const path = join(dir, "collector.sock");
    try {
      await using output = unixOutput({ path, reconnect: { initialMs: 20, maxMs: 50 } });
      expect(output.name).toBe(`unix-stream:${path}`);
      output.send(numbered(1));
      const collector = new Collector();
      await collector.listen({ path });
      output.send(numbered(2));
      await output.flush();
      await waitFor(() => collector.lines.length === 2);
      expect(collector.values()).toEqual([1, 2]);
      await collector.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
