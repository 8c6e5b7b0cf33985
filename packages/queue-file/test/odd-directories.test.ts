import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTs } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { createFileQueue, FileSystemError, ForeignDirectoryError } from "../src/index.js";
import { FORMAT_MARKER } from "../src/layout.js";
import { type RecordedEvent, recordEvents, tempDirs } from "./helpers.js";

// No test here has a time limit of its own: a call that hangs fails the test by vitest's timeout.
const tempDir = tempDirs();

/** Files a reader that blocks or follows links would hang on: a FIFO, an endless device. */
const notRegularFiles: [string, (path: string) => void][] = [
  [
    "a FIFO",
    (path) => {
      execFileSync("mkfifo", [path]);
    },
  ],
  [
    "a symbolic link to /dev/zero",
    (path) => {
      symlinkSync("/dev/zero", path);
    },
  ],
];

/** A child that is not allowed what root is: root ignores file modes, `nobody` does not. */
const otherUser = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : {};

describe("a directory that cannot be used", () => {
  const fifo = (): string => {
    const path = join(tempDir(), "fifo");
    execFileSync("mkfifo", [path]);
    return path;
  };
  it.each([
    ["a path under /proc (where Node's recursive mkdir never returns)", () => "/proc/x-queue-cannot-exist/jobs"],
    ["/dev/null", () => "/dev/null"],
    ["a path under /dev/null", () => "/dev/null/jobs"],
    [
      "a regular file in the way",
      () => {
        const file = join(tempDir(), "file");
        writeFileSync(file, "");
        return join(file, "queue");
      },
    ],
    [
      "a regular file as the directory",
      () => {
        const file = join(tempDir(), "file");
        writeFileSync(file, "");
        return file;
      },
    ],
    ["a FIFO as the directory", fifo],
    ["a FIFO in the way", () => join(fifo(), "queue")],
  ])("%s: calls reject with FileSystemError, and the queue still closes", async (_label, makeDir) => {
    const queue = createFileQueue({ dir: makeDir() });
    await expect(queue.enqueue({ payload: 1 })).rejects.toBeInstanceOf(FileSystemError);
    await expect(queue.reserve()).rejects.toMatchObject({ code: "ERR_X_FILE_QUEUE_FILE_SYSTEM" });
    await expect(queue.stats()).rejects.toBeInstanceOf(FileSystemError);
    await queue.close();
  });

  it.each([
    [
      "a parent without write permission",
      (parent: string) => {
        chmodSync(parent, 0o555);
        return join(parent, "queue");
      },
    ],
    [
      "a queue directory without any permission",
      (parent: string) => {
        const dir = join(parent, "queue");
        mkdirSync(dir);
        chmodSync(parent, 0o755);
        chmodSync(dir, 0o000);
        return dir;
      },
    ],
  ])(
    "%s: every call rejects with FileSystemError (EACCES) and the process goes on",
    async (_label, makeDir) => {
      const parent = tempDir();
      const dir = makeDir(parent);
      const fixture = fileURLToPath(new URL("./fixtures/open-queue.ts", import.meta.url));
      const result = await runTs(fixture, [dir], otherUser);
      chmodSync(parent, 0o700);
      if (existsSync(dir)) chmodSync(dir, 0o700);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown);
      const refused = { name: "FileSystemError", code: "ERR_X_FILE_QUEUE_FILE_SYSTEM", syscallCode: "EACCES" };
      expect(lines).toEqual([
        { call: "enqueue", ...refused },
        { call: "reserve", ...refused },
        { call: "stats", ...refused },
        { call: "close", ok: true },
      ]);
    },
    60_000,
  );
});

describe("a directory that is not a queue", () => {
  it("a directory with files of its own is refused, and nothing in it is touched", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), "mine");
    mkdirSync(join(dir, "tmp"));
    // Named like a temp file of a dead writer: a queue opening here would sweep it away.
    const lookalike = join(dir, "tmp", "1-0123abcd.tmp");
    writeFileSync(lookalike, "not a queue's");
    const queue = createFileQueue({ dir });
    const error = await queue.enqueue({ payload: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignDirectoryError);
    expect(error).toMatchObject({
      code: "ERR_X_FILE_QUEUE_FOREIGN_DIRECTORY",
      path: dir,
      reason: expect.stringContaining('"notes.txt"') as unknown,
    });
    await expect(queue.reserve()).rejects.toBeInstanceOf(ForeignDirectoryError);
    expect(readdirSync(dir).sort()).toEqual(["notes.txt", "tmp"]);
    expect(existsSync(lookalike)).toBe(true);
    await queue.close();
  });

  it.each(["/proc", "/proc/self"])("%s is refused the same way", async (dir) => {
    const queue = createFileQueue({ dir });
    await expect(queue.enqueue({ payload: 1 })).rejects.toBeInstanceOf(ForeignDirectoryError);
    await expect(queue.stats()).rejects.toBeInstanceOf(ForeignDirectoryError);
    await queue.close();
  });

  it("a directory holding only dot-files, or the queue's own names, is taken", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".keep"), "");
    mkdirSync(join(dir, "ready"));
    const queue = createFileQueue({ dir });
    const sent = await queue.enqueue({ payload: 1 });
    expect((await queue.reserve())?.message.id).toBe(sent.id);
    expect(readdirSync(dir)).toContain("queue-file.json");
    await queue.close();
  });

  it("an empty format marker (a power cut while the queue was created) is written again", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "queue-file.json"), "");
    const queue = createFileQueue({ dir });
    await queue.enqueue({ payload: 1 });
    expect(JSON.parse(readFileSync(join(dir, "queue-file.json"), "utf8"))).toEqual(FORMAT_MARKER);
    await queue.close();
    const again = createFileQueue({ dir });
    expect((await again.stats()).ready).toBe(1);
    await again.close();
  });

  it.each([
    ...notRegularFiles,
    [
      "a directory",
      (path: string): void => {
        mkdirSync(path);
      },
    ],
    [
      "a huge file",
      (path: string): void => {
        writeFileSync(path, " ".repeat(1 << 20));
      },
    ],
  ])("a format marker that is %s is refused without reading it", async (_label, make) => {
    const dir = tempDir();
    make(join(dir, "queue-file.json"));
    const queue = createFileQueue({ dir });
    await expect(queue.enqueue({ payload: 1 })).rejects.toBeInstanceOf(ForeignDirectoryError);
    await queue.close();
  });
});

describe("a journal that is not a file", () => {
  it.each(notRegularFiles)(
    "%s: enqueue and reserve reject with FileSystemError instead of blocking, and serve again once it is gone",
    async (_label, make) => {
      const dir = tempDir();
      const events: RecordedEvent[] = [];
      const queue = recordEvents(createFileQueue({ dir }), events);
      await queue.stats();
      make(join(dir, "journal"));
      await expect(queue.enqueue({ payload: "refused" })).rejects.toBeInstanceOf(FileSystemError);
      expect(events).toContainEqual(expect.objectContaining({ type: "error", during: "journal" }));
      await expect(queue.reserve()).rejects.toBeInstanceOf(FileSystemError);
      rmSync(join(dir, "journal"));
      const sent = await queue.enqueue({ payload: "kept" });
      const job = await queue.reserve();
      expect(job?.message.id).toBe(sent.id);
      await job?.ack();
      await queue.close();
    },
  );
});
