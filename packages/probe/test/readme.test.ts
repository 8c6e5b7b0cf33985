import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CodeBlock, type RunResult, runTs, runTsSnippet, startNatsServer } from "@x/test-servers";
import { describeReadmeExamples } from "@x/test-servers/vitest";
import { afterAll, beforeAll, expect } from "vitest";
import type { ProbeMessage } from "../src/index.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = join(packageDir, "src/cli/main.ts");

const lines = (text: string): string[] => text.split("\n").filter(Boolean);
const parse = (text: string): ProbeMessage[] => lines(text).map((l) => JSON.parse(l) as ProbeMessage);

/** What each ```ts block of the README must print, in order. */
const expectations: ((stdout: string) => void)[] = [
  // Quick example
  (out) => {
    const [first, second] = lines(out);
    expect(first).toBe('{"v":3,"time":1700000000,"location":{"host":"web1"},"event":{"name":"uptime","vset":{"value":{"value":1.5}}}}');
    expect(second).toMatch(
      /^\{"v":3,"time":\d+,"location":\{\},"event":\{"name":"users\(\)","state":\{"value":"unknown","severity":"error"\},"comment":"raised exception: cannot count users"\}\}$/,
    );
  },
  // checks.ts, run through x-probe --once
  (out) => {
    const messages = parse(out);
    expect(messages.map((m) => m.event.name)).toEqual(["web", "database", "load", "load", "probe_rss"]);
    expect(messages.every((m) => m.location.host === "web1")).toBe(true);
    expect(messages[0]?.event).toMatchObject({ state: { value: "ok", severity: "expected" }, vset: { status: { value: 200 } } });
    expect(messages[1]?.event.state).toEqual({ value: "ok", severity: "expected" });
    expect(messages[2]?.event).toEqual({
      name: "load",
      vset: {
        load1: {
          value: 0.3,
          threshold_high: [
            { name: "warning", value: 5, severity: "warning" },
            { name: "critical", value: 10, severity: "error" },
          ],
          min: 0,
        },
      },
    });
    expect(messages[3]?.event).toEqual({ name: "load", state: { value: "ok", severity: "expected" } });
    expect(messages[4]?.event.vset?.value?.unit).toBe("B");
  },
  // A check and a handle written by hand
  (out) => {
    expect(lines(out)).toEqual([
      "runs=1 shot=2 shot=1",
      "warn: handle reached EOF { handle: 'H-1/TwoShot', id: 1, reason: 'no more', reopenInMs: 60000 }",
    ]);
  },
  // runProbe
  (out) => {
    expect(lines(out)).toEqual(
      [1, 2, 3].map((n) => `{"v":3,"time":1,"location":{},"event":{"name":"tick","vset":{"value":{"value":${n}}}}}`),
    );
  },
  // Messages
  (out) => {
    expect(lines(out)).toEqual([
      '{"used":{"value":91,"unit":"%","threshold_high":[{"name":"warning","value":80,"severity":"warning"},{"name":"critical","value":90,"severity":"error"}]}}',
      "{ valid: false, reason: 'location.host must be a string' }",
      "InvalidProbeMessageError: invalid message: severity needs a state",
    ]);
  },
  // Perfdata
  (out) => {
    expect(lines(out)).toEqual([
      'disk usage {"value":91,"unit":"%","above":[{"name":"warning","value":80,"severity":"warning"},{"name":"critical","value":90,"severity":"error"}],"below":[],"min":0,"max":100}',
      'temp {"value":-3.5,"above":[{"name":"warning","value":0,"severity":"warning"}],"below":[]}',
      "[ '\"junk\" is not label=value', `'b': bad value \"10:20\"` ]",
    ]);
  },
  // TCP output
  (out) => {
    expect(lines(out)).toEqual(["{ sent: 0, dropped: 0, pending: 3 }", "[ 1, 2, 3 ]", "{ sent: 3, dropped: 0, pending: 0 }"]);
  },
  // NATS publisher
  (out) => {
    expect(lines(out)).toEqual([
      'probe.heartbeat {"v":3,"time":1700000000,"location":{},"event":{"name":"heartbeat","state":{"value":"ok"}}}',
    ]);
  },
];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const http = createHttpServer((_req, res) => res.end("ok"));
const tcp = createTcpServer((socket) => socket.end());
let nats: Awaited<ReturnType<typeof startNatsServer>>;

beforeAll(async () => {
  // Examples read their servers from the environment, which the children inherit.
  nats = await startNatsServer({ jetstream: false });
  process.env.NATS_URL = nats.url;
  process.env.HTTP_URL = `http://127.0.0.1:${await listen(http)}/health`;
  process.env.TCP_PORT = String(await listen(tcp));
});

afterAll(async () => {
  for (const name of ["NATS_URL", "HTTP_URL", "TCP_PORT"]) Reflect.deleteProperty(process.env, name);
  await nats[Symbol.asyncDispose]();
  await new Promise((resolve) => http.close(resolve));
  await new Promise((resolve) => tcp.close(resolve));
});

/** A checks module runs the way the README says, through `x-probe --once`; other blocks on their own. */
async function run(block: CodeBlock, dir: string): Promise<RunResult> {
  if (!block.code.includes("export const CHECKS")) return runTsSnippet(block.code, dir);
  // .readme-examples/ is where README snippets run (ignored by tsc, ESLint and git).
  await mkdir(join(dir, ".readme-examples"), { recursive: true });
  const file = join(dir, ".readme-examples", `checks-line-${block.line}.ts`);
  await writeFile(file, block.code, "utf8");
  try {
    return await runTs(MAIN, ["--checks", file, "--once"], { cwd: dir });
  } finally {
    await rm(file, { force: true });
  }
}

describeReadmeExamples({ packageDir, expected: expectations, run });
