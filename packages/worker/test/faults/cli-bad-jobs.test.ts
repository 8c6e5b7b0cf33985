/**
 * `x-queue peek` and `pop` on jobs that cannot be shown: they report the problem and move on,
 * never crash, and `pop` never gets stuck on one bad job.
 * - On the file queue, through the real CLI: a job nested 5,000 levels deep (it used to decode,
 *   then crash the printing with a RangeError and go back to the head of the queue every time).
 * - In process, with an adapter that hands out a message no codec could write back (what a
 *   broken or foreign adapter might do): printed as far as possible, buried, next job served.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMemoryQueue, type Message, type QueueAdapter, type Reservation } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { printFaultReport, type RunResult, runTs, soakScale } from "@x/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCommandArgs } from "../../src/cli/args.js";
import { type CliIo, formatMessage } from "../../src/cli/command.js";
import { BASIC_COMMANDS } from "../../src/cli/commands.js";
import { withReserve } from "../helpers.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
/** See cli.test.ts: a user's shell has no pnpm NODE_PATH. */
const { NODE_PATH: _pnpmNodePath, ...userEnv } = process.env;

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-bad-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const Q = "--queue=file:./jobs?fsync=false";
const cli = (...args: string[]): Promise<RunResult> => runTs(CLI, args, { cwd, env: userEnv });

const deepJob = (id: string, levels: number): string =>
  `{"id":"${id}","header":{"priority":0,"attempts":0},"body":{"payload":${"[".repeat(levels)}1${"]".repeat(levels)}}}`;

/** Replaces the content of a ready job's file, as a foreign writer or a damaged disk might. */
async function overwrite(dir: string, id: string, content: string): Promise<void> {
  const name = (await readdir(join(dir, "ready"))).find((file) => file.endsWith(`-${id}.job`));
  if (name === undefined) throw new Error(`no ready file for ${id}`);
  await writeFile(join(dir, "ready", name), content);
}

describe("x-queue on jobs that cannot be shown", () => {
  it("file queue: peek and pop report a job nested 5,000 levels deep and move on to the good jobs", async () => {
    const dir = join(cwd, "jobs");
    const queue = createFileQueue({ dir, fsync: false });
    const bad = ["bad-peeked", "bad-popped"];
    for (const id of bad) await queue.enqueue({ id, priority: 0 });
    const good: string[] = [];
    for (let i = 0; i < 2; i++) good.push((await queue.enqueue({ requestType: "greet", payload: i, priority: 5 })).id);
    await queue.close();
    for (const id of bad) await overwrite(dir, id, deepJob(id, 5_000));

    const peek = await cli("peek", "bad-peeked", Q);
    expect(peek.stderr).not.toMatch(/RangeError|call stack/);
    expect(peek.code).toBe(1);
    expect(peek.stderr).toMatch(/bad-peeked.*nested deeper than 64 levels/);

    const popped: string[] = [];
    const outputs: RunResult[] = [];
    for (let i = 0; i < 3; i++) {
      const pop = await cli("pop", Q);
      outputs.push(pop);
      expect(pop.stderr).not.toMatch(/RangeError|call stack/);
      const id = /^pop: (\S+)$/m.exec(pop.stdout)?.[1];
      if (id !== undefined) popped.push(id);
    }
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 1]);
    expect(outputs[0]?.stderr).toMatch(/bad-popped.*nested deeper than 64 levels/);
    expect(outputs[2]?.stderr).toBe("pop: no job available\n");
    expect(popped).toEqual(good);
    printFaultReport({
      scenario: "x-queue pop/peek past jobs nested too deep (file queue)",
      confirmed: good.length,
      handled: popped.length,
      lost: good.filter((id) => !popped.includes(id)).length,
      duplicated: popped.length - new Set(popped).size,
      badJobs: bad.length,
    });
  });

  it("pop: a message that cannot be written back is printed as far as possible, buried, and the next pop gets the next job", async () => {
    const memory = createMemoryQueue();
    const jobs = soakScale(3, 30);
    const good: string[] = [];
    const broken = new Set<string>();
    for (let i = 0; i < jobs; i++) {
      const sent = await memory.enqueue({ requestType: "greet", payload: { i } });
      // Every other job comes out of this adapter broken: a payload no codec can carry.
      if (i % 2 === 0) broken.add(sent.id);
      else good.push(sent.id);
    }
    const queue = brokenAdapter(memory, broken);
    const out = { stdout: "", stderr: "" };
    const io: CliIo = {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      cwd,
      env: {},
      cliUrl: import.meta.url,
    };
    const pop = BASIC_COMMANDS.pop;
    if (pop === undefined) throw new Error("no pop command");
    const codes: number[] = [];
    for (let i = 0; i <= jobs; i++) codes.push(await pop.prepare(parseCommandArgs("pop", [], pop.options), io)(queue));

    const printed = [...out.stdout.matchAll(/^pop: (\S+)$/gm)].map((m) => m[1]);
    const handled = printed.filter((id) => id !== undefined && good.includes(id));
    expect(codes).toEqual([...Array.from({ length: jobs }, (_, i) => (i % 2 === 0 ? 1 : 0)), 1]);
    expect(handled).toEqual(good);
    for (const id of broken) {
      expect(out.stderr).toContain(`pop: job ${id} cannot be shown in full`);
      // What could be shown still was: the id, the request type, the part of the body that works.
      expect(out.stdout).toContain(`"id": "${id}"`);
      expect(out.stdout).toMatch(/"request_type": "greet"/);
    }
    const stats = await memory.stats();
    expect(stats).toMatchObject({ ready: 0, reserved: 0, buried: broken.size });
    for (const id of broken) expect((await memory.inspect?.(id))?.buryReason).toMatch(/^x-queue pop: cannot be shown: /);
    await memory.close();
    printFaultReport({
      scenario: "x-queue pop past messages that cannot be written back",
      confirmed: good.length,
      handled: handled.length,
      lost: good.length - handled.length,
      duplicated: handled.length - new Set(handled).size,
      badJobs: broken.size,
    });
  });

  it("peek: a message that would not read back the same (Infinity) is printed as far as possible and reported, exit 1", async () => {
    const memory = createMemoryQueue();
    const sent = await memory.enqueue({ requestType: "greet", payload: { fine: "yes" }, header: { source: "test" } });
    const queue = brokenAdapter(memory, new Set([sent.id]), true);
    const out = { stdout: "", stderr: "" };
    const io: CliIo = {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      cwd,
      env: {},
      cliUrl: import.meta.url,
    };
    const peek = BASIC_COMMANDS.peek;
    if (peek === undefined) throw new Error("no peek command");
    expect(await peek.prepare(parseCommandArgs("peek", [sent.id], peek.options), io)(queue)).toBe(1);
    expect(out.stderr).toMatch(
      new RegExp(`^peek: job ${sent.id} cannot be shown in full: .*body\\.huge.*Infinity is not representable`, "m"),
    );
    expect(out.stdout).toContain(`"source": "test"`);
    expect(out.stdout).toContain(`"fine": "yes"`);
    expect(out.stdout).toContain(`"huge": "<Infinity: not JSON>"`);
    expect(await memory.stats()).toMatchObject({ ready: 1 });
    await memory.close();
  });
});

describe("formatMessage", () => {
  it("never throws, even on something that is not shaped like a message", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const odd of [{ id: "x" }, { id: "x", header: proxy, body: {} }, proxy]) {
      const shown = formatMessage(odd as unknown as Message);
      expect(shown.problem).toEqual(expect.any(String));
      expect(typeof shown.text).toBe("string");
    }
  });
});

/**
 * Breaks what `broken` jobs look like on the way out: an infinite number (JSON would write it as
 * null: it encodes, but does not read back the same) and, unless `onlyInfinity`, a cycle.
 */
function breakMessage(message: Message, onlyInfinity: boolean): Message {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  return { ...message, body: { ...message.body, huge: Number.POSITIVE_INFINITY, ...(onlyInfinity ? {} : { loop: cyclic }) } };
}

function brokenAdapter(queue: QueueAdapter, broken: ReadonlySet<string>, onlyInfinity = false): QueueAdapter {
  const reserving = withReserve(queue, async (options) => {
    const reservation = await queue.reserve(options);
    if (reservation === null || !broken.has(reservation.message.id)) return reservation;
    const message = breakMessage(reservation.message, onlyInfinity);
    const wrapped: Reservation = {
      message,
      leaseMs: reservation.leaseMs,
      ack: () => reservation.ack(),
      release: (o) => reservation.release(o),
      bury: (reason) => reservation.bury(reason),
      touch: () => reservation.touch(),
    };
    return wrapped;
  });
  return new Proxy(reserving, {
    get(target, property) {
      if (property === "peek") {
        return async (id: string) => {
          const message = await queue.peek(id);
          return message !== null && broken.has(id) ? breakMessage(message, onlyInfinity) : message;
        };
      }
      if (property === "inspect") return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return value;
    },
  });
}
