/**
 * `x-queue import --from pulpo-dir:<dir>` as users run it (a child process per command), over a
 * copy of @x/queue-file's pulpo fixture: pulpo's exact bytes, a job with a delay, an expiration
 * and attempts, one without microseconds, a locked job, a truncated file, finished jobs in archive/.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMessage } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { type RunResult, runTs, startBeanstalkd } from "@x/test-servers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../../queue-file/test/fixtures/pulpo/queue", import.meta.url));
const A = "1765000000.123456-7d8a1c52-5b3e-4f0a-9c61-2e4b8f0d3a11";
const B = "1765000001.5-0b6e9d4f-1a2c-4e3d-8f7a-6c5b4a392817";
const C = "1765000002.25-3f2e1d0c-9b8a-4765-a432-10fedcba9876";
const D = "1765000003.0-5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const E = "1765000004.0-9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4";
const TO = "--to=file:./jobs?fsync=false";
const QUEUE_BEANSTALK = fileURLToPath(new URL("../../queue-beanstalk", import.meta.url));

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "x-queue-import-"));
  await cp(FIXTURE, join(cwd, "old"), { recursive: true });
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const { NODE_PATH: _pnpmNodePath, ...userEnv } = process.env;
const cli = (...args: string[]): Promise<RunResult> => runTs(CLI, args, { cwd, env: userEnv });

/** The target queue as a program would open it, for checking what arrived. */
async function jobsIn(...ids: string[]): Promise<unknown[]> {
  const queue = createFileQueue({ dir: join(cwd, "jobs"), fsync: false });
  try {
    return await Promise.all(ids.map((id) => queue.peek(id)));
  } finally {
    await queue.close();
  }
}

const expectedA = createMessage({
  id: A,
  requestType: "send_email",
  payload: { name: "Ada", tags: ["new", "vip"], count: 3 },
  delay: new Date("2026-12-05T16:38:06.401Z"),
  expiration: new Date("2026-12-06T00:00:00.000Z"),
  attempts: 2,
  header: { source: "signup" },
  body: { to: "ada@example.com", subject: "Welcome" },
});
const expectedB = createMessage({ id: B, requestType: "upper", payload: "hello", delay: new Date("2026-12-05T16:38:06.000Z") });
const expectedC = createMessage({ id: C, requestType: "echo", payload: "café 😀", expiration: new Date("2026-12-07T01:02:03.250Z") });

describe("x-queue import --from pulpo-dir:", () => {
  it("copies the waiting jobs with their ids, attempts, delays and expirations; reports the corrupt file and the locked job; exit 3", async () => {
    const result = await cli("import", "--from", "pulpo-dir:./old", TO);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toBe("import: 3 imported, 0 already there, 1 locked left, 1 corrupt, 0 refused\n");
    const old = join(cwd, "old");
    expect(result.stderr).toContain(
      `import: corrupt ${join(old, `${D}.message`)}: corrupt job file ${D}.message: invalid message: not JSON`,
    );
    expect(result.stderr).toContain(`import: left ${join(old, "lock", `${E}.message.lock`)}: locked by a pulpo worker`);
    expect(await jobsIn(A, B, C, D, E)).toEqual([expectedA, expectedB, expectedC, null, null]);
    // Without --move the old directory is left as it was.
    expect((await readdir(old)).sort()).toEqual([
      `${A}.message`,
      `${B}.message`,
      `${C}.message`,
      `${D}.message`,
      "README.txt",
      "archive",
      "lock",
    ]);
  });

  it("a second run finds the jobs there already and leaves them as they are; with --move it removes their files", async () => {
    await cli("import", "--from", "pulpo-dir:./old", TO);
    const again = await cli("import", "--from", "pulpo-dir:./old", TO);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stdout).toBe("import: 0 imported, 3 already there, 1 locked left, 1 corrupt, 0 refused\n");
    expect(await jobsIn(A, B, C)).toEqual([expectedA, expectedB, expectedC]);
    const moved = await cli("import", "--from", "pulpo-dir:./old", TO, "--move");
    expect(moved.stdout).toBe("import: 0 imported, 3 already there, 1 locked left, 1 corrupt, 0 refused, 3 files removed\n");
    expect((await readdir(join(cwd, "old"))).sort()).toEqual([`${D}.message`, "README.txt", "archive", "lock"]);
    expect(await jobsIn(A, B, C)).toEqual([expectedA, expectedB, expectedC]);
  });

  it("--move --include-locked --json: NDJSON per file and a summary; imported files removed, the corrupt one kept; a locked job counts its delivery", async () => {
    const result = await cli("import", "--from", "pulpo-dir:./old", TO, "--move", "--include-locked", "--json", "--batch", "2");
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toBe("");
    const old = join(cwd, "old");
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      { outcome: "imported", id: A, file: join(old, `${A}.message`) },
      { outcome: "imported", id: B, file: join(old, `${B}.message`) },
      { outcome: "imported", id: C, file: join(old, `${C}.message`) },
      { outcome: "corrupt", id: D, file: join(old, `${D}.message`), error: expect.stringContaining("not JSON") as unknown },
      { outcome: "imported", id: E, file: join(old, "lock", `${E}.message.lock`) },
      { summary: { imported: 4, exists: 0, locked: 0, corrupt: 1, refused: 0, removed: 4, notRemoved: 0 } },
    ]);
    expect((await readdir(old)).sort()).toEqual([`${D}.message`, "README.txt", "archive", "lock"]);
    expect(await readdir(join(old, "lock"))).toEqual([]);
    expect(await jobsIn(E)).toEqual([createMessage({ id: E, requestType: "resize", payload: { n: 4 }, attempts: 2 })]);
  });

  it("exit 0 when every job came across; a pulpo delay in the future keeps the job delayed", async () => {
    const dir = join(cwd, "clean");
    await mkdir(dir);
    // pulpo's bytes for a job delayed to 2099 (str(datetime) with microseconds).
    await writeFile(
      join(dir, "1765000009.0-later.message"),
      '{\n  "body": {\n    "payload": "later"\n  },\n  "header": {\n    "request_type": "remind",\n    "delay": "2099-01-02 03:04:05.678000"\n  },\n  "id": "1765000009.0-later"\n}',
    );
    const result = await cli("import", "--from", "pulpo-dir:./clean", TO);
    expect([result.code, result.stdout, result.stderr]).toEqual([
      0,
      "import: 1 imported, 0 already there, 0 locked left, 0 corrupt, 0 refused\n",
      "",
    ]);
    const stats = await cli("stats", "--queue=file:./jobs?fsync=false", "--json");
    expect(JSON.parse(stats.stdout)).toMatchObject({ ready: 0, delayed: 1 });
    const [later] = (await jobsIn("1765000009.0-later")) as [{ header: { delay: Date } }];
    expect(later.header.delay).toEqual(new Date("2099-01-02T03:04:05.678Z"));
  });

  it("--local-time reads pulpo's zone-less dates in the machine's time zone (pulpo wrote datetime.now())", async () => {
    const result = await runTs(CLI, ["import", "--from", "pulpo-dir:./old", TO, "--local-time"], {
      cwd,
      env: { ...userEnv, TZ: "America/New_York" },
    });
    expect(result.code, result.stderr).toBe(3);
    const [a] = (await jobsIn(A)) as [{ header: { delay: Date; expiration: Date } }];
    expect(a.header.delay).toEqual(new Date("2026-12-05T21:38:06.401Z"));
    expect(a.header.expiration).toEqual(new Date("2026-12-06T05:00:00.000Z"));
  });

  it("a wrong command line exits 2 before anything is read; a missing directory exits 1 naming it", async () => {
    const noFrom = await cli("import", TO);
    expect([noFrom.code, noFrom.stderr]).toEqual([
      2,
      'x-queue: import: --from pulpo-dir:<directory> is required\nRun "x-queue --help" for usage.\n',
    ]);
    const wrongScheme = await cli("import", "--from", "./old", TO);
    expect(wrongScheme.code).toBe(2);
    expect(wrongScheme.stderr).toContain('--from must be pulpo-dir:<directory> (a pulpo file queue\'s base_path), got "./old"');
    const both = await cli("import", "--from", "pulpo-dir:./old", TO, "--queue=file:./other");
    expect([both.code, both.stderr.split("\n")[0]]).toEqual([2, "x-queue: import: give --to or --queue, not both"]);
    const badBatch = await cli("import", "--from", "pulpo-dir:./old", TO, "--batch", "0");
    expect(badBatch.code).toBe(2);
    const missing = await cli("import", "--from", "pulpo-dir:./nowhere", TO);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`pulpo directory ${join(cwd, "nowhere")}: does not exist`);
  });

  it("into beanstalkd, which names its own jobs: pulpo's id goes into the pulpo_id header, attempts and payload are kept", async () => {
    await using server = await startBeanstalkd();
    await mkdir(join(cwd, "node_modules", "@x"), { recursive: true });
    await symlink(QUEUE_BEANSTALK, join(cwd, "node_modules", "@x", "queue-beanstalk"));
    const queue = `--to=beanstalk://127.0.0.1:${server.port}/from-pulpo`;
    const result = await cli("import", "--from", "pulpo-dir:./old", queue, "--json");
    expect(result.code, result.stderr).toBe(3);
    const imported = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { outcome?: string; id?: string; newId?: string })
      .filter((line) => line.outcome === "imported");
    expect(imported.map((line) => line.id)).toEqual([A, B, C]);
    expect(imported.every((line) => typeof line.newId === "string" && line.newId !== line.id)).toBe(true);
    const pop = await cli("pop", `--queue=beanstalk://127.0.0.1:${server.port}/from-pulpo`);
    expect(pop.code, pop.stderr).toBe(0);
    const wire = JSON.parse(pop.stdout.slice(pop.stdout.indexOf("{"))) as { header: Record<string, unknown>; body: unknown };
    expect(wire.header).toMatchObject({ pulpo_id: A, request_type: "send_email", attempts: 2, source: "signup" });
    expect(wire.body).toEqual(expectedA.body);
  });
});
