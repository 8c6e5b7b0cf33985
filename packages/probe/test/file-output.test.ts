import { spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, readFile, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsNodeArgs } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import {
  createMessage,
  createOutput,
  DEFAULT_FILE_MODE,
  fileOutput,
  InvalidOptionError,
  OutputError,
  UnsafeOutputPathError,
} from "../src/index.js";
import { recordingLogger } from "./support/log.js";
import { useTempDir } from "./support/temp-dir.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(packageDir, "src/cli/main.ts");
const fixture = (name: string): string => join(packageDir, "test/fixtures", name);
const message = createMessage({ aspect: "m", value: 1, time: 1 });

/** Runs `fn` with the process umask set to `mask`, restoring it after (the test files run in forks, where umask works). */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

/** Runs x-probe from the sources under `umask <mask>` in a shell, as an operator would. */
async function runProbeWithUmask(mask: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn("sh", ["-c", `umask ${mask} && exec "$0" "$@"`, process.execPath, ...tsNodeArgs(), MAIN, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

describe("fileOutput: file safety", () => {
  const dir = useTempDir("x-probe-file-safety-");

  it("creates a new file with mode 0600 by default, even under umask 000", async () => {
    expect(DEFAULT_FILE_MODE).toBe(0o600);
    const path = join(dir(), "default-mode.jsonl");
    await withUmask(0o000, async () => {
      const output = fileOutput({ path });
      output.send(message);
      await output.flush();
      await output.close();
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("takes an explicit mode (the umask still removes bits), and leaves an existing file's mode alone", async () => {
    const path = join(dir(), "explicit-mode.jsonl");
    await withUmask(0o000, async () => {
      const output = fileOutput({ path, mode: 0o640 });
      output.send(message);
      await output.close();
    });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    const masked = join(dir(), "masked-mode.jsonl");
    await withUmask(0o077, async () => {
      const output = createOutput(`file:${masked}`, { mode: 0o644 });
      output.send(message);
      await output.close();
    });
    expect((await stat(masked)).mode & 0o777).toBe(0o600);
    const existing = join(dir(), "existing.jsonl");
    await writeFile(existing, "", { mode: 0o644 });
    const output = fileOutput({ path: existing });
    output.send(message);
    await output.close();
    expect((await stat(existing)).mode & 0o777).toBe(0o644);
    expect((await readFile(existing, "utf8")).split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("refuses a symbolic link at the path with UnsafeOutputPathError, writing nothing through it", async () => {
    const target = join(dir(), "victim");
    await writeFile(target, "precious\n");
    const path = join(dir(), "link.jsonl");
    await symlink(target, path);
    const logger = recordingLogger();
    const output = fileOutput({ path, logger });
    const failures: Error[] = [];
    output.on("failed", ({ error }) => failures.push(error));
    output.send(message);
    await output.flush();
    output.send(message);
    await output.flush();
    await output.close();
    expect(await readFile(target, "utf8")).toBe("precious\n");
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(output.stats()).toMatchObject({ sent: 0, dropped: 2 });
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBeInstanceOf(UnsafeOutputPathError);
    expect(failures[0]).toBeInstanceOf(OutputError);
    expect(failures[0]).toMatchObject({ code: "ERR_X_PROBE_OUTPUT_PATH", path });
    expect(logger.lines[0]).toContain("is a symbolic link");
  });

  it("each later message tries again: once the link is replaced by a file, output resumes", async () => {
    const target = join(dir(), "victim-2");
    await writeFile(target, "precious\n");
    const path = join(dir(), "link-2.jsonl");
    await symlink(target, path);
    const output = fileOutput({ path });
    output.send(message);
    await output.flush();
    await unlink(path);
    output.send(message);
    await output.flush();
    await output.close();
    expect(output.stats()).toMatchObject({ sent: 1, dropped: 1 });
    expect((await lstat(path)).isFile()).toBe(true);
    expect((await readFile(path, "utf8")).split("\n").filter(Boolean)).toHaveLength(1);
    expect(await readFile(target, "utf8")).toBe("precious\n");
  });

  it("a dangling symbolic link is refused too: nothing is created at its target", async () => {
    const target = join(dir(), "would-be-created");
    const path = join(dir(), "dangling.jsonl");
    await symlink(target, path);
    const output = fileOutput({ path });
    const failures: Error[] = [];
    output.on("failed", ({ error }) => failures.push(error));
    output.send(message);
    await output.close();
    expect(failures[0]).toBeInstanceOf(UnsafeOutputPathError);
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("validates mode, naming it", () => {
    for (const bad of [-1, 0o1000, 1.5, "0600", Number.NaN]) {
      expect(() => fileOutput({ path: "x", mode: bad as number })).toThrow(InvalidOptionError);
      expect(() => fileOutput({ path: "x", mode: bad as number })).toThrow(/`mode` must be/);
    }
  });

  it("x-probe --destination file:PATH under umask 000 creates the file 0600 and refuses a symlink", async () => {
    const path = join(dir(), "cli.jsonl");
    const made = await runProbeWithUmask("000", ["--checks", fixture("list-checks.ts"), "--once", "--destination", `file:${path}`]);
    expect(made.code).toBe(0);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const target = join(dir(), "cli-victim");
    await writeFile(target, "precious\n");
    const link = join(dir(), "cli-link.jsonl");
    await symlink(target, link);
    const refused = await runProbeWithUmask("000", ["--checks", fixture("list-checks.ts"), "--once", "--destination", `file:${link}`]);
    expect(await readFile(target, "utf8")).toBe("precious\n");
    expect(refused.stderr).toContain("is a symbolic link");
  });
});
