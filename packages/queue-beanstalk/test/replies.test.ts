/**
 * The replies are read by this layer (`src/protocol/reply-reader.ts`), not fivebeans. These tests
 * feed them to the client the awkward ways TCP can deliver them: a byte at a time, several
 * replies in one chunk, interleaved with replies fivebeans parses itself, and malformed.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BeanstalkCommandError } from "../src/errors.js";
import { Session } from "../src/protocol/session.js";

const STATS_JOB =
  "---\nid: 5\ntube: 007\nstate: reserved\npri: 65536\nage: 3\ndelay: 0\nttr: 60\ntime-left: -2\nfile: 0\n" +
  "reserves: 3\ntimeouts: 1\nreleases: 1\nburies: 0\nkicks: 0\n";
const okBody = (body: string): string => `OK ${String(Buffer.byteLength(body))}\r\n${body}\r\n`;

/** A TCP server that answers each command line with `reply(line)`, written `chunked` as asked. */
async function scriptedServer(
  reply: (line: string) => string,
  chunked: "whole" | "bytewise",
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    let pending = "";
    socket.on("data", (data: Buffer) => {
      pending += data.toString("latin1");
      const lines = pending.split("\r\n");
      pending = lines.pop() ?? "";
      const out = lines.map(reply).join("");
      if (chunked === "whole") {
        socket.write(out);
        return;
      }
      // One byte per turn of the event loop, so the client sees every possible split.
      const bytes = Buffer.from(out, "latin1");
      let at = 0;
      const next = (): void => {
        if (at >= bytes.length || socket.destroyed) return;
        socket.write(bytes.subarray(at, at + 1));
        at++;
        setImmediate(next);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
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

function answer(line: string): string {
  if (line === "stats-job 5") return okBody(STATS_JOB);
  if (line === "stats-job 6") return okBody("---\nid: 6\nstate: reserved\n");
  if (line === "stats-job 7") return "NOT_FOUND\r\n";
  if (line.startsWith("delete ")) return "DELETED\r\n";
  if (line === "peek 5") return "FOUND 5 5\r\nhello\r\n";
  return "UNKNOWN_COMMAND\r\n";
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe.each(["whole", "bytewise"] as const)("stats replies delivered %s", (chunked) => {
  async function session(): Promise<Session> {
    const server = await scriptedServer(answer, chunked);
    const opened = await Session.open("127.0.0.1", server.port, { connectTimeoutMs: 5_000, commandTimeoutMs: 10_000 });
    closers.push(async () => {
      opened.destroy();
      await server.close();
    });
    return opened;
  }

  it("reads stats-job line by line: names stay strings, negative time-left is kept", async () => {
    const s = await session();
    expect(await s.statsJob(5)).toEqual({
      id: 5,
      tube: "007",
      state: "reserved",
      pri: 65_536,
      ttr: 60,
      age: 3,
      timeLeft: -2,
      reserves: 3,
      timeouts: 1,
      releases: 1,
      buries: 0,
      kicks: 0,
    });
  });

  it("keeps pipelined replies in step, whatever fivebeans or this layer parses", async () => {
    const s = await session();
    const [stats, deleted, job, missing, again] = await Promise.allSettled([
      s.statsJob(5),
      s.delete(5),
      s.peek(5),
      s.statsJob(7),
      s.statsJob(5),
    ]);
    expect(stats.status === "fulfilled" && stats.value.reserves).toBe(3);
    expect(deleted).toEqual({ status: "fulfilled", value: undefined });
    expect(job.status === "fulfilled" && job.value.body.toString()).toBe("hello");
    expect(missing.status === "rejected" && missing.reason).toMatchObject({ reply: "NOT_FOUND", command: "stats-job" });
    expect(again.status === "fulfilled" && again.value.id).toBe(5);
  });

  it("a reply missing fields is a BeanstalkCommandError naming the field, and the socket stays usable", async () => {
    const s = await session();
    const err = await s.statsJob(6).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BeanstalkCommandError);
    expect((err as Error).message).toContain("field tube is missing");
    expect((await s.statsJob(5)).id).toBe(5);
    expect(s.isOpen).toBe(true);
  });
});
