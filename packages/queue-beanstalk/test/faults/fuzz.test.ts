/**
 * Bytes from the server, fuzzed with a fixed seed: the reply reader, the stats parsers and the
 * job body reader on their own, then a hostile server that answers commands with the fuzzed
 * bytes, to a socket and to a whole queue. Only documented typed errors may come out, a socket
 * that got garbage is dropped, and the process keeps serving a real beanstalkd afterwards.
 * 2,000 runs each in the test command, 50,000 under `pnpm soak` (fewer through sockets).
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { ConnectionError, InvalidMessageError, JobTooBigError, LeaseLostError, type QueueAdapter, TimeoutError } from "@x/message";
import { printFaultReport, soakScale, startBeanstalkd } from "@x/test-servers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEANSTALK_REPLIES } from "../../src/errors.js";
import { BeanstalkCommandError, createBeanstalkQueue, JobReservedElsewhereError } from "../../src/index.js";
import { readJobBody } from "../../src/interop.js";
import { FastReply, MAX_REPLY_LINE_BYTES, readReply, readReplyFast } from "../../src/protocol/reply-reader.js";
import { Session } from "../../src/protocol/session.js";
import { parseJobStats, parseServerStats, parseTubeStats, statsFields } from "../../src/protocol/stats.js";
import { freshTube } from "../helpers.js";

const SEED = 20_130_613;
const RUNS = soakScale(2_000, 50_000);
const SOCKET_RUNS = soakScale(2_000, 20_000);
const QUEUE_RUNS = soakScale(200, 5_000);

const EXPECTED_WORDS = [
  "USING",
  "WATCHING",
  "INSERTED",
  "RESERVED",
  "DELETED",
  "RELEASED",
  "BURIED",
  "TOUCHED",
  "KICKED",
  "FOUND",
  "OK",
  "PAUSED",
] as const;

/** Replies that are nearly right: real words, wrong arguments, lengths that lie, bodies cut short. */
const nearReply: fc.Arbitrary<Buffer> = fc
  .record({
    word: fc.oneof(
      fc.constantFrom(...EXPECTED_WORDS, ...BEANSTALK_REPLIES),
      fc.string({ maxLength: 12 }),
      fc.constantFrom("__proto__", "constructor", "toString"),
    ),
    args: fc.array(
      fc.oneof(
        fc.nat({ max: 70_000 }).map(String),
        fc.constantFrom("-1", "-2", "1e3", "0x10", "99999999999999999999999", "NaN", " ", ""),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 3 },
    ),
    body: fc.uint8Array({ maxLength: 64 }),
    lengthDelta: fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })),
    terminator: fc.constantFrom("\r\n", "\n", "\r", "", "XY", "\r\n\r\n"),
    tail: fc.uint8Array({ maxLength: 16 }),
  })
  .map(({ word, args, body, lengthDelta, terminator, tail }) => {
    const withBody = word === "RESERVED" || word === "FOUND" || word === "OK";
    const header = withBody ? [word, ...args.slice(0, word === "OK" ? 0 : 1), String(body.length + lengthDelta)] : [word, ...args];
    const parts = [Buffer.from(`${header.join(" ")}\r\n`, "latin1")];
    if (withBody) parts.push(Buffer.from(body), Buffer.from(terminator, "latin1"));
    parts.push(Buffer.from(tail));
    return Buffer.concat(parts);
  });

const serverBytes: fc.Arbitrary<Buffer> = fc.oneof(
  nearReply,
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 40 }).map((text) => Buffer.from(`${text}\r\n`, "utf8")),
  fc.nat({ max: 2_000 }).map((n) => Buffer.alloc(MAX_REPLY_LINE_BYTES + n, 0x41)),
);

/** The errors this package documents for a call; anything else is a bug. */
const DOCUMENTED = [
  ConnectionError,
  TimeoutError,
  BeanstalkCommandError,
  InvalidMessageError,
  JobTooBigError,
  LeaseLostError,
  JobReservedElsewhereError,
];
const isDocumented = (err: unknown): boolean => DOCUMENTED.some((type) => err instanceof type);
const describeOutcome = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : JSON.stringify(err));

describe("fuzz: bytes from the server", () => {
  it("readReply never throws, and reads a reply the same whether its bytes come at once or split", () => {
    fc.assert(
      fc.property(serverBytes, fc.constantFrom(...EXPECTED_WORDS), fc.nat({ max: 8 }), (bytes, expected, skip) => {
        const offset = Math.min(skip, bytes.length);
        const whole = readReply(bytes, offset, expected);
        if (whole.kind === "reply") {
          expect(whole.end).toBeGreaterThan(offset);
          expect(whole.end).toBeLessThanOrEqual(bytes.length);
          // Every shorter delivery waits for more; every longer one reads the same reply.
          for (let cut = offset; cut < whole.end; cut++)
            expect(readReply(bytes.subarray(0, cut), offset, expected).kind).toBe("incomplete");
          expect(readReply(bytes, offset, expected)).toEqual(whole);
          if (!whole.success) expect(BEANSTALK_REPLIES).toContain(whole.values[0]);
        } else if (whole.kind === "malformed") {
          expect(whole.reason.length).toBeGreaterThan(0);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("readReplyFast reads a reply only where readReply reads the same one, successfully", () => {
    const fast = new FastReply();
    let read = 0;
    // Replies as beanstalkd writes them, for the expected word, followed by anything.
    const wellFormed = fc
      .record({
        expected: fc.constantFrom(...EXPECTED_WORDS),
        id: fc.nat({ max: 2 ** 32 }),
        body: fc.uint8Array({ maxLength: 64 }),
        tail: fc.uint8Array({ maxLength: 16 }),
      })
      .map(({ expected, id, body, tail }) => {
        const line =
          expected === "RESERVED" || expected === "FOUND"
            ? `${expected} ${String(id)} ${String(body.length)}`
            : expected === "OK"
              ? `OK ${String(body.length)}`
              : expected === "INSERTED" || expected === "USING" || expected === "WATCHING"
                ? `${expected} ${String(id)}`
                : expected;
        const withBody = expected === "RESERVED" || expected === "FOUND" || expected === "OK";
        const parts = [Buffer.from(`${line}\r\n`, "latin1")];
        if (withBody) parts.push(Buffer.from(body), Buffer.from("\r\n", "latin1"));
        parts.push(Buffer.from(tail));
        return [Buffer.concat(parts), expected] as const;
      });
    const inputs = fc.oneof(fc.tuple(serverBytes, fc.constantFrom(...EXPECTED_WORDS)), wellFormed);
    fc.assert(
      fc.property(inputs, fc.nat({ max: 8 }), ([bytes, expected], skip) => {
        const offset = Math.min(skip % 2 === 0 ? 0 : skip, bytes.length);
        if (!readReplyFast(bytes, offset, expected, fast)) return;
        read++;
        const general = readReply(bytes, offset, expected);
        expect(general.kind).toBe("reply");
        if (general.kind !== "reply") return;
        expect(general.success).toBe(true);
        expect(fast.end).toBe(general.end);
        // The general reader gives ids as text; the fast one as numbers.
        const values = [fast.first, fast.second].filter((value) => value !== undefined);
        expect(values.map((value) => (typeof value === "number" ? String(value) : value))).toEqual(
          general.values.map((value) => (typeof value === "string" ? String(Number(value)) : value)),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The property is not empty: well-formed replies are among the inputs.
    expect(read).toBeGreaterThan(0);
  });

  it("the stats parsers throw only BeanstalkCommandError, and never pollute a prototype", () => {
    const statsBody = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc
        .array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                "id",
                "tube",
                "state",
                "pri",
                "ttr",
                "time-left",
                "reserves",
                "timeouts",
                "releases",
                "buries",
                "kicks",
                "name",
              ),
              fc.constantFrom(
                "current-jobs-ready",
                "current-jobs-delayed",
                "current-jobs-reserved",
                "current-jobs-buried",
                "max-job-size",
                "__proto__",
              ),
              fc.string({ maxLength: 10 }),
            ),
            fc.oneof(
              fc.integer().map(String),
              fc.constantFrom("ready", "reserved", "buried", "delayed", "true", "1e309", '"1.12"'),
              fc.string({ maxLength: 10 }),
            ),
          ),
          { maxLength: 16 },
        )
        .map((fields) => Buffer.from(`---\n${fields.map(([k, v]) => `${k}: ${v}`).join("\n")}\n`, "utf8")),
    );
    fc.assert(
      fc.property(statsBody, (body) => {
        statsFields(body);
        for (const parse of [parseJobStats, parseTubeStats, parseServerStats]) {
          try {
            const parsed: unknown = parse(body);
            expect(typeof parsed).toBe("object");
          } catch (err) {
            expect(err).toBeInstanceOf(BeanstalkCommandError);
          }
        }
        try {
          const raw = parseTubeStats(body).raw;
          expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
        } catch (err) {
          expect(err).toBeInstanceOf(BeanstalkCommandError);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("a job body of any bytes is read as a message or reported as foreign, never thrown", () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value), "utf8")),
      fc
        .record({ type: fc.string(), payload: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })
        .map((value) => Buffer.from(JSON.stringify(value), "utf8")),
      fc
        .record({ header: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), body: fc.jsonValue({ maxDepth: 2 }) })
        .map((value) => Buffer.from(JSON.stringify(value), "utf8")),
    );
    fc.assert(
      fc.property(fc.nat(), body, (id, bytes) => {
        const reading = readJobBody(id + 1, bytes);
        expect(["message", "foreign"]).toContain(reading.kind);
        if (reading.kind === "message") expect(reading.message.id).toBe(String(id + 1));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/**
 * A server that answers the setup commands of a connection (`use`, `watch`, `ignore`, `stats`)
 * as beanstalkd would, and the first other command with `next()`'s bytes; then it closes, so a
 * reply cut short ends in a closed socket rather than a timeout.
 */
async function hostileServer(next: () => Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined).on("close", () => sockets.delete(socket));
    let pending = "";
    let done = false;
    socket.on("data", (data: Buffer) => {
      if (done) return;
      pending += data.toString("latin1");
      const lines = pending.split("\r\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const [command, arg] = line.split(" ");
        if (command === "use") socket.write(`USING ${arg ?? ""}\r\n`);
        else if (command === "watch" || command === "ignore") socket.write("WATCHING 1\r\n");
        else if (command === "stats") {
          const body = '---\nmax-job-size: 65535\nversion: "1.12"\n';
          socket.write(`OK ${String(body.length)}\r\n${body}\r\n`);
        } else {
          done = true;
          socket.end(next());
          return;
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

describe("fuzz: a hostile server", () => {
  let bytes: Buffer = Buffer.alloc(0);
  let hostile: Awaited<ReturnType<typeof hostileServer>>;
  beforeAll(async () => {
    hostile = await hostileServer(() => bytes);
  });
  afterAll(async () => {
    await hostile.close();
  });

  it("a socket given garbage rejects the command with a documented error and is dropped; nothing throws", async () => {
    const commands: Record<string, (s: Session) => Promise<unknown>> = {
      put: (s) => s.put(0, 0, 60, Buffer.from("x")),
      reserve: (s) => s.reserveWithTimeout(0),
      "reserve with stats": (s) => s.reserveWithStats(0),
      peek: (s) => s.peek(1),
      "stats-job": (s) => s.statsJob(1),
      "stats-tube": (s) => s.statsTube("t"),
      delete: (s) => s.delete(1),
      touch: (s) => s.touch(1),
      kick: (s) => s.kickJob(1),
    };
    let rejected = 0;
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(serverBytes, fc.constantFrom(...Object.keys(commands)), async (reply, name) => {
        bytes = reply;
        const session = await Session.open("127.0.0.1", hostile.port, { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 });
        // The server closes after its reply: a reply cut short is a ConnectionError, not a hang.
        const command = commands[name];
        if (!command) throw new Error(name);
        const outcome = await command(session).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (outcome !== undefined) {
          rejected++;
          expect(isDocumented(outcome), describeOutcome(outcome)).toBe(true);
        }
        const reason = await session.closed;
        if (reason.message.includes("malformed reply")) dropped++;
        expect(session.isOpen).toBe(false);
      }),
      {
        seed: SEED,
        numRuns: SOCKET_RUNS,
        examples: [
          // fivebeans ran js-yaml on any `OK` body, inside the socket's data handler: a throw there crashed the process.
          [Buffer.from("OK 1\r\n[\r\n"), "put"],
          // A reply after the reply: nothing waits for it, so the stream is out of step.
          [Buffer.from("DELETED\r\nDELETED\r\n"), "delete"],
          // A length that lies: fivebeans took the last byte of the body as the next reply.
          [Buffer.from("RESERVED 1 -2\r\nabc\r\n"), "reserve"],
        ],
      },
    );
    printFaultReport({
      scenario: "beanstalk fuzz: hostile server, socket",
      confirmed: 0,
      handled: 0,
      lost: 0,
      duplicated: 0,
      inputs: SOCKET_RUNS,
      rejected,
      dropped,
    });
    expect(dropped).toBeGreaterThan(0);
  });

  it("a queue whose server sends garbage rejects with documented errors, and then serves a real beanstalkd", async () => {
    const calls: Record<string, (q: QueueAdapter) => Promise<unknown>> = {
      enqueue: (q) => q.enqueue({ payload: 1 }),
      reserve: (q) => q.reserve(),
      peek: (q) => q.peek("1"),
      stats: (q) => q.stats(),
      kick: (q) => q.kick(3),
      delete: (q) => q.delete("1"),
    };
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(serverBytes, fc.constantFrom(...Object.keys(calls)), async (reply, name) => {
        bytes = reply;
        const queue = createBeanstalkQueue({
          port: hostile.port,
          connectTimeoutMs: 300,
          commandTimeoutMs: 2_000,
          reconnectDelayMs: 10,
          maxReconnectDelayMs: 20,
        });
        try {
          const call = calls[name];
          if (!call) throw new Error(name);
          const outcome = await call(queue).then(
            () => undefined,
            (err: unknown) => err,
          );
          if (outcome !== undefined) {
            rejected++;
            expect(isDocumented(outcome), describeOutcome(outcome)).toBe(true);
          }
        } finally {
          await queue.close();
        }
      }),
      { seed: SEED, numRuns: QUEUE_RUNS },
    );
    printFaultReport({
      scenario: "beanstalk fuzz: hostile server, queue",
      confirmed: 0,
      handled: 0,
      lost: 0,
      duplicated: 0,
      inputs: QUEUE_RUNS,
      rejected,
    });

    // Still serving: the same process works against a real server.
    await using server = await startBeanstalkd();
    const queue = createBeanstalkQueue({ port: server.port, tube: freshTube() });
    try {
      const sent = await queue.enqueue({ payload: "after the fuzz" });
      const job = await queue.reserve();
      expect(job?.message.id).toBe(sent.id);
      await job?.ack();
    } finally {
      await queue.close();
    }
  });
});
