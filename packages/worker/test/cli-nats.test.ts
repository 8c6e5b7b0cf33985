/** `x-queue` with `nats://host:port/queue` against a real nats-server: the URL reaches `@x/queue-nats`. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer } from "@x/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installNatsAdapter, ndjson, runCli } from "./cli-helpers.js";

let cwd: string;
let server: Awaited<ReturnType<typeof startNatsServer>>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-nats-"));
  await installNatsAdapter(cwd);
  server = await startNatsServer();
});
afterAll(async () => {
  await server.kill();
  await rm(cwd, { recursive: true, force: true });
});

describe("x-queue on NATS", () => {
  it("puts from stdin, pauses, resumes and pops through nats://host:port/queue", { timeout: 120_000 }, async () => {
    const Q = `--queue=nats://127.0.0.1:${server.port}/emails`;
    const cli = (...args: string[]) => runCli(cwd, args);
    const put = await runCli(
      cwd,
      ["put", Q, "--from", "-", "--json"],
      '{"type":"send_email","payload":"a"}\n{"type":"send_email","payload":"b"}\n',
    );
    expect(put.code, put.stderr).toBe(0);
    expect(ndjson(put.stdout)).toEqual([{ put: 2, failed: 0, lines: 2, interrupted: false }]);
    expect(ndjson((await cli("pause", Q, "--json")).stdout)).toEqual([{ paused: true }]);
    expect((await cli("pop", Q)).stderr).toBe("pop: no job available (the queue is paused)\n");
    expect(ndjson((await cli("resume", Q, "--json")).stdout)).toEqual([{ paused: false }]);
    const pop = await cli("pop", Q, "--json");
    expect(pop.code, pop.stderr).toBe(0);
    expect(ndjson(pop.stdout)).toMatchObject([{ requestType: "send_email", message: { body: { payload: "a" } } }]);
    expect(ndjson((await cli("stats", Q, "--json")).stdout)[0]).toMatchObject({ ready: 1, paused: false });
  });
});
