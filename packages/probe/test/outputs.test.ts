import { createSocket } from "node:dgram";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { freePort } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import {
  createMessage,
  fileOutput,
  InvalidOptionError,
  type Logger,
  OutputClosedError,
  type ProbeMessage,
  type PublishedMessage,
  publisherOutput,
  stdoutOutput,
  streamOutput,
  udpOutput,
} from "../src/index.js";
import { waitFor } from "./support/collect.js";
import { recordingLogger } from "./support/log.js";

const numbered = (i: number) => createMessage({ aspect: "m", value: i, time: 1 });

describe("streamOutput / stdout", () => {
  it("writes one JSON line per message", async () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    const output = streamOutput({ stream, name: "test" });
    output.send(createMessage({ aspect: "uptime", location: { host: "h" }, value: 1.5, time: 1000 }));
    await output.flush();
    await output.close();
    expect(text.endsWith("\n")).toBe(true);
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ v: 3, time: 1000, location: { host: "h" }, event: { name: "uptime", vset: { value: { value: 1.5 } } } }]);
    expect(output.stats()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(stream.writableEnded).toBe(false);
  });

  it("a broken stream (EPIPE) is logged and counted, not a crash", async () => {
    const logger = recordingLogger();
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const output = streamOutput({ stream: broken, logger });
    output.send(numbered(1));
    await output.flush();
    output.send(numbered(2));
    await output.flush();
    expect(output.stats()).toEqual({ sent: 0, dropped: 2, pending: 0 });
    expect(logger.lines).toEqual(['ERROR write failed; dropping messages output=stream error="write EPIPE"']);
  });

  it("a stalled reader cannot make it grow without bound: beyond bufferBytes messages are dropped and counted", async () => {
    const logger = recordingLogger();
    const done: (() => void)[] = [];
    // Accepts the first chunk and never finishes writing it, like a pipe nobody reads.
    const stalled = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        done.push(() => {
          callback();
        });
      },
    });
    const lineBytes = `${JSON.stringify(numbered(1))}\n`.length;
    const output = streamOutput({ stream: stalled, logger, bufferBytes: 3 * lineBytes });
    for (let i = 1; i <= 10; i++) output.send(numbered(i));
    expect(output.stats()).toEqual({ sent: 0, dropped: 7, pending: 3 });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^WARNING message dropped output=stream error="not keeping up \(\d+ bytes waiting\); dropping messages" dropped=1$/,
    );
    while (done.length > 0) {
      done.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await output.flush();
    expect(output.stats()).toEqual({ sent: 3, dropped: 7, pending: 0 });
  });

  it("a message that cannot be encoded (a cycle, a bigint) is dropped and logged; the output keeps serving", async () => {
    const logger = recordingLogger();
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    const output = streamOutput({ stream, logger, warnIntervalMs: 0 });
    const cyclic = { ...numbered(1), extra: {} as Record<string, unknown> };
    cyclic.extra.self = cyclic;
    output.send(cyclic);
    output.send({ ...numbered(2), big: 10n } as unknown as ProbeMessage);
    output.send(numbered(3));
    await output.flush();
    expect(output.stats()).toEqual({ sent: 1, dropped: 2, pending: 0 });
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { event: { vset: { value: { value: number } } } }).event.vset.value.value),
    ).toEqual([3]);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines.every((l) => l.startsWith('WARNING message dropped output=stream error="cannot encode a message as JSON: '))).toBe(
      true,
    );
  });

  it("validates its options, naming the bad one", () => {
    expect(() => streamOutput({ stream: {} as unknown as Writable })).toThrow("`stream` must be a writable stream");
    expect(() => streamOutput({ stream: new PassThrough(), bufferBytes: 0 })).toThrow("`bufferBytes` must be an integer >= 1, got 0");
    expect(() => stdoutOutput({ logger: {} as Logger })).toThrow(InvalidOptionError);
    expect(() => stdoutOutput({ warnIntervalMs: -1 })).toThrow("`warnIntervalMs` must be a finite number of milliseconds >= 0, got -1");
    expect(() => fileOutput({ path: "" })).toThrow("`path` must be a non-empty string");
  });
});

describe("fileOutput", () => {
  it("appends JSON lines, across instances, and refuses messages after close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "x-probe-file-"));
    const path = join(dir, "out.jsonl");
    try {
      const a = fileOutput({ path });
      a.send(numbered(1));
      a.send(numbered(2));
      await a.close();
      await a.close();
      expect(() => {
        a.send(numbered(3));
      }).toThrow(OutputClosedError);
      const b = fileOutput({ path });
      b.send(numbered(3));
      await b.flush();
      await b.close();
      const lines = (await readFile(path, "utf8")).split("\n").filter(Boolean);
      expect(lines.map((l) => (JSON.parse(l) as { event: { vset: { value: { value: number } } } }).event.vset.value.value)).toEqual([
        1, 2, 3,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an unwritable path is logged and counted, and retried on the next message", async () => {
    const logger = recordingLogger();
    const output = fileOutput({ path: "/nonexistent-dir/x/out.jsonl", logger });
    output.send(numbered(1));
    await output.flush();
    output.send(numbered(2));
    await output.flush();
    expect(output.stats().dropped).toBe(2);
    expect(logger.lines[0]).toMatch(/^ERROR write failed; dropping messages output=file:\/nonexistent-dir\/x\/out.jsonl error="ENOENT/);
    await output.close();
  });
});

describe("udpOutput (real datagram socket)", () => {
  it("sends one datagram per message", async () => {
    const server = createSocket("udp4");
    const received: string[] = [];
    server.on("message", (datagram) => received.push(datagram.toString("utf8")));
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const { port } = server.address();
    const output = udpOutput({ host: "127.0.0.1", port });
    for (const i of [1, 2, 3]) output.send(numbered(i));
    await output.flush();
    await waitFor(() => received.length === 3);
    expect(received.map((d) => (JSON.parse(d) as { event: { vset: { value: { value: number } } } }).event.vset.value.value).sort()).toEqual(
      [1, 2, 3],
    );
    expect(received.every((d) => d.endsWith("\n"))).toBe(true);
    expect(output.stats()).toEqual({ sent: 3, dropped: 0, pending: 0 });
    await output.close();
    await new Promise<void>((resolve) => server.close(resolve));
  });

  it("nobody listening and an oversized message do not crash the probe", async () => {
    const logger = recordingLogger();
    const output = udpOutput({ host: "127.0.0.1", port: await freePort(), logger });
    output.send(numbered(1));
    output.send(createMessage({ aspect: "huge", comment: "x".repeat(70_000), state: "ok" }));
    await output.flush();
    expect(output.stats().dropped).toBe(1);
    expect(logger.lines[0]).toMatch(/does not fit in a datagram/);
    await output.close();
  });
});

describe("publisherOutput", () => {
  it("publishes the JSON bytes on the subject, per message when a function is given", async () => {
    const published: PublishedMessage[] = [];
    const output = publisherOutput({ publisher: { publish: (m) => published.push(m) }, subject: (m) => `probe.${m.event.name}` });
    output.send(numbered(7));
    await output.flush();
    expect(published).toHaveLength(1);
    expect(published[0]?.subject).toBe("probe.m");
    expect(JSON.parse(new TextDecoder().decode(published[0]?.payload))).toEqual(numbered(7));
  });

  it("awaits async publishers on flush and counts failures as dropped", async () => {
    const logger = recordingLogger();
    let resolveFirst: (() => void) | undefined;
    const output = publisherOutput({
      logger,
      publisher: {
        publish: ({ payload }) => {
          const value = (JSON.parse(new TextDecoder().decode(payload)) as { event: { vset: { value: { value: number } } } }).event.vset
            .value.value;
          if (value === 1) return new Promise<void>((resolve) => (resolveFirst = resolve));
          if (value === 2) return Promise.reject(new Error("no route"));
          throw new Error("sync failure");
        },
      },
    });
    for (const i of [1, 2, 3]) output.send(numbered(i));
    let flushed = false;
    const flushing = output.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    resolveFirst?.();
    await flushing;
    expect(output.stats()).toEqual({ sent: 1, dropped: 2, pending: 0 });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^WARNING message dropped output=publisher:probe error="publish failed: (no route|sync failure)" dropped=1$/,
    );
    await output.close();
  });

  it("close() does not wait for a publish that never settles, and refuses later messages", async () => {
    const output = publisherOutput({ publisher: { publish: () => new Promise<void>(() => undefined) } });
    output.send(numbered(1));
    expect(output.stats()).toEqual({ sent: 0, dropped: 0, pending: 1 });
    await output.close();
    await output.close();
    expect(() => {
      output.send(numbered(2));
    }).toThrow(OutputClosedError);
  });

  it("a subject function that throws or returns no subject drops that message only", async () => {
    const logger = recordingLogger();
    const published: string[] = [];
    const output = publisherOutput({
      logger,
      warnIntervalMs: 0,
      publisher: { publish: ({ subject }) => published.push(subject) },
      subject: (m) => {
        const value = m.event.vset?.value?.value;
        if (value === 1) throw new Error("no subject for 1");
        return value === 2 ? (undefined as unknown as string) : `probe.${String(value)}`;
      },
    });
    for (const i of [1, 2, 3]) output.send(numbered(i));
    await output.flush();
    expect(published).toEqual(["probe.3"]);
    expect(output.stats()).toEqual({ sent: 1, dropped: 2, pending: 0 });
    expect(logger.lines).toEqual([
      'WARNING message dropped output="publisher:*" error="publish failed: no subject for 1" dropped=1',
      'WARNING message dropped output="publisher:*" error="publish failed: the subject function returned undefined, not a subject" dropped=1',
    ]);
  });

  it("validates its options", () => {
    expect(() => publisherOutput({ publisher: {} as never })).toThrow("`publisher` must have a publish({ subject, payload }) method");
    expect(() => publisherOutput({ publisher: { publish: () => undefined }, subject: "" })).toThrow("`subject`");
  });
});
