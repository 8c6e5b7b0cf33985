import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileQueue } from "../src/index.js";
import { tempDirs } from "./helpers.js";

const tempDir = tempDirs();
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("permissions", () => {
  let umask: number;
  // With no umask at all, only the modes the queue asks for protect the jobs.
  beforeEach(() => {
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it("creates directories 0700 and files 0600", async () => {
    const dir = join(tempDir(), "nested", "queue");
    const queue = createFileQueue({ dir });
    await queue.enqueue({ payload: "ready" });
    await queue.enqueue({ payload: "buried", priority: 0 });
    await queue.enqueue({ payload: "reserved", priority: 1 });
    await (await queue.reserve())?.bury("kept for inspection");
    const held = await queue.reserve();
    expect(held).not.toBeNull();

    for (const sub of ["", "ready", "reserved", "buried", "tmp", "corrupt"]) expect(mode(join(dir, sub)), `${sub}/`).toBe("700");
    expect(mode(join(dir, "..")), "parents it created").toBe("700");
    const files = ["ready", "reserved", "buried"].flatMap((sub) => readdirSync(join(dir, sub)).map((name) => join(dir, sub, name)));
    expect(files).toHaveLength(4); // ready job, reserved job, buried job and its reason
    for (const file of [...files, join(dir, "journal"), join(dir, "queue-file.json")]) expect(mode(file), file).toBe("600");
    await queue.close();
  });
});
