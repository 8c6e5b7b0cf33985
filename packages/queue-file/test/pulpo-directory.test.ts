/**
 * readPulpoDirectory over a pulpo FileQueueAdapter directory in pulpo's exact bytes
 * (test/fixtures/pulpo/queue: `json.dumps(components, indent=2, default=str)`, pulpo's key order,
 * its `str(datetime)` dates with and without microseconds, a job in `lock/`, finished jobs in
 * `archive/`, a truncated file).
 */
import { cp, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidOptionError } from "@x/core";
import { createMessage, encodeToString } from "@x/message";
import { afterEach, describe, expect, it } from "vitest";
import {
  CorruptJobError,
  createFileQueue,
  ForeignDirectoryError,
  PulpoDirectoryError,
  type PulpoEntry,
  readPulpoDirectory,
} from "../src/index.js";
import { tempDirs } from "./helpers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/pulpo/queue", import.meta.url));
const A = "1765000000.123456-7d8a1c52-5b3e-4f0a-9c61-2e4b8f0d3a11";
const B = "1765000001.5-0b6e9d4f-1a2c-4e3d-8f7a-6c5b4a392817";
const C = "1765000002.25-3f2e1d0c-9b8a-4765-a432-10fedcba9876";
const D = "1765000003.0-5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const E = "1765000004.0-9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4";

/** The bytes pulpo wrote for job A, byte for byte (no final newline: pulpo writes none). */
const PULPO_A = [
  "{",
  '  "body": {',
  '    "to": "ada@example.com",',
  '    "subject": "Welcome",',
  '    "payload": {',
  '      "name": "Ada",',
  '      "tags": [',
  '        "new",',
  '        "vip"',
  "      ],",
  '      "count": 3',
  "    }",
  "  },",
  '  "header": {',
  '    "source": "signup",',
  '    "request_type": "send_email",',
  '    "delay": "2026-12-05 16:38:06.401000",',
  '    "expiration": "2026-12-06 00:00:00",',
  '    "attempts": 2',
  "  },",
  `  "id": "${A}"`,
  "}",
].join("\n");

const messageA = createMessage({
  id: A,
  requestType: "send_email",
  payload: { name: "Ada", tags: ["new", "vip"], count: 3 },
  delay: new Date("2026-12-05T16:38:06.401Z"),
  expiration: new Date("2026-12-06T00:00:00.000Z"),
  attempts: 2,
  header: { source: "signup" },
  body: { to: "ada@example.com", subject: "Welcome" },
});

async function all(dir: string, options?: Parameters<typeof readPulpoDirectory>[1]): Promise<PulpoEntry[]> {
  const entries: PulpoEntry[] = [];
  for await (const entry of readPulpoDirectory(dir, options)) entries.push(entry);
  return entries;
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

const temp = tempDirs("x-pulpo-read-");
async function copyOfFixture(): Promise<string> {
  const dir = join(temp(), "old");
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

describe("readPulpoDirectory", () => {
  it("the fixture holds pulpo's exact bytes, and the pulpo dialect writes the same bytes back", async () => {
    const text = await readFile(join(FIXTURE, `${A}.message`), "utf8");
    expect(text).toBe(PULPO_A);
    const [first] = await all(FIXTURE);
    expect(first?.state).toBe("ready");
    if (first?.state !== "ready") return;
    expect(encodeToString(first.message, { dialect: "pulpo" })).toBe(PULPO_A);
  });

  it("yields the waiting jobs by file name, a corrupt file in its place, then the locked jobs; archive/ and other files are left out", async () => {
    const entries = await all(FIXTURE);
    expect(entries.map((e) => [e.state, e.id])).toEqual([
      ["ready", A],
      ["ready", B],
      ["ready", C],
      ["corrupt", D],
      ["locked", E],
    ]);
    expect(entries.map((e) => e.file)).toEqual([
      join(FIXTURE, `${A}.message`),
      join(FIXTURE, `${B}.message`),
      join(FIXTURE, `${C}.message`),
      join(FIXTURE, `${D}.message`),
      join(FIXTURE, "lock", `${E}.message.lock`),
    ]);
  });

  it("reads ids, attempts, delays and expirations as pulpo wrote them (dates with and without microseconds)", async () => {
    const byId = new Map((await all(FIXTURE)).map((e) => [e.id, e]));
    expect(byId.get(A)).toMatchObject({ message: messageA });
    expect(byId.get(B)).toMatchObject({
      message: createMessage({ id: B, requestType: "upper", payload: "hello", delay: new Date("2026-12-05T16:38:06.000Z") }),
    });
    expect(byId.get(C)).toMatchObject({
      message: createMessage({ id: C, requestType: "echo", payload: "café 😀", expiration: new Date("2026-12-07T01:02:03.250Z") }),
    });
    expect(byId.get(E)).toMatchObject({
      state: "locked",
      message: createMessage({ id: E, requestType: "resize", payload: { n: 4 }, attempts: 1 }),
    });
  });

  it("reports a truncated file as corrupt with the reason, and goes on", async () => {
    const corrupt = (await all(FIXTURE)).find((e) => e.state === "corrupt");
    expect(corrupt?.state).toBe("corrupt");
    if (corrupt?.state !== "corrupt") return;
    expect(corrupt.error).toBeInstanceOf(CorruptJobError);
    expect(corrupt.error.file).toBe(`${D}.message`);
    expect(corrupt.error.message).toMatch(new RegExp(`^corrupt job file ${D.replace(/\./g, "\\.")}\\.message: invalid message: not JSON`));
  });

  it("changes nothing on disk", async () => {
    const dir = await copyOfFixture();
    const before = await listTree(dir);
    await all(dir);
    expect(await listTree(dir)).toEqual(before);
  });

  describe("timeZone", () => {
    const previous = process.env.TZ;
    afterEach(() => {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    });

    it("\"local\" reads pulpo's zone-less dates in this machine's zone (pulpo writes datetime.now())", async () => {
      process.env.TZ = "America/New_York";
      const [a] = await all(FIXTURE, { timeZone: "local" });
      expect(a?.state === "ready" && a.message.header.delay).toEqual(new Date("2026-12-05T21:38:06.401Z"));
      expect(a?.state === "ready" && a.message.header.expiration).toEqual(new Date("2026-12-06T05:00:00.000Z"));
      const [utc] = await all(FIXTURE);
      expect(utc?.state === "ready" && utc.message.header.delay).toEqual(new Date("2026-12-05T16:38:06.401Z"));
    });

    it('"local" leaves a date that names its zone as written', async () => {
      process.env.TZ = "America/New_York";
      const dir = temp();
      await writeFile(join(dir, "z1.message"), JSON.stringify({ header: { delay: "2026-12-05T16:38:06.401Z" }, id: "z1" }, null, 2));
      const [z] = await all(dir, { timeZone: "local" });
      expect(z?.state === "ready" && z.message.header.delay).toEqual(new Date("2026-12-05T16:38:06.401Z"));
    });
  });

  it("takes the id from the file name when the file has none, and refuses a file whose id differs from its name", async () => {
    const dir = temp();
    await writeFile(join(dir, "no-id.message"), '{\n  "body": {\n    "payload": 1\n  }\n}');
    await writeFile(join(dir, "other.message"), '{\n  "id": "not-other"\n}');
    const [noId, other] = await all(dir);
    expect(noId).toMatchObject({ state: "ready", id: "no-id", message: createMessage({ id: "no-id", payload: 1 }) });
    expect(other?.state).toBe("corrupt");
    expect(other?.state === "corrupt" && other.error.reason).toContain('"not-other" differs from the file name\'s "other"');
  });

  it("reports a symlink, a directory named like a job and a file over maxBytes as corrupt, without reading them", async () => {
    const dir = temp();
    await writeFile(join(dir, "target.json"), '{"id": "link"}');
    await symlink(join(dir, "target.json"), join(dir, "link.message"));
    await mkdir(join(dir, "dir.message"));
    await writeFile(join(dir, "big.message"), `{"id": "big", "body": {"payload": "${"x".repeat(100)}"}}`);
    const entries = await all(dir, { maxBytes: 64 });
    expect(entries.map((e) => [e.id, e.state === "corrupt" ? e.error.reason : e.state])).toEqual([
      ["big", "138 bytes is over the limit of 64 bytes"],
      ["dir", "not a regular file"],
      ["link", "not a regular file"],
    ]);
  });

  it("reads a directory without lock/ (nothing locked)", async () => {
    const dir = temp();
    await writeFile(join(dir, "j.message"), '{\n  "id": "j"\n}');
    expect((await all(dir)).map((e) => e.state)).toEqual(["ready"]);
  });

  it("throws PulpoDirectoryError for a missing directory or a file", async () => {
    const dir = temp();
    await expect(all(join(dir, "missing"))).rejects.toThrow(PulpoDirectoryError);
    await expect(all(join(dir, "missing"))).rejects.toThrow(`pulpo directory ${join(dir, "missing")}: does not exist`);
    await writeFile(join(dir, "file"), "");
    await expect(all(join(dir, "file"))).rejects.toMatchObject({ code: "ERR_X_FILE_QUEUE_PULPO_DIRECTORY", reason: "is not a directory" });
  });

  it("createFileQueue refuses a pulpo directory rather than misread it, and leaves it as it was (the way across is the import)", async () => {
    const dir = await copyOfFixture();
    const before = await listTree(dir);
    const queue = createFileQueue({ dir, fsync: false });
    await expect(queue.enqueue({ payload: 1 })).rejects.toThrow(ForeignDirectoryError);
    await expect(queue.reserve()).rejects.toThrow(ForeignDirectoryError);
    await queue.close();
    expect(await listTree(dir)).toEqual(before);
  });

  it("checks its options up front", () => {
    expect(() => readPulpoDirectory(FIXTURE, { zone: "utc" } as never)).toThrow(InvalidOptionError);
    expect(() => readPulpoDirectory(FIXTURE, { zone: "utc" } as never)).toThrow("valid options: maxBytes, timeZone");
    expect(() => readPulpoDirectory(FIXTURE, { timeZone: "Europe/Paris" as "local" })).toThrow(InvalidOptionError);
    expect(() => readPulpoDirectory(FIXTURE, { maxBytes: 0 })).toThrow(InvalidOptionError);
  });
});
