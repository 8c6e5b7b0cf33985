import { stat, writeFile } from "node:fs/promises";
import { FileSystemError, errnoCode } from "./errors.js";
import { remove } from "./files.js";

/**
 * Takes a lock shared by processes: a file created with `O_EXCL`, holding the owner's pid for
 * people reading the directory. A lock older than `staleMs` belongs to a process that died while
 * holding it and is taken over (once). `false` when another process holds it.
 */
export async function tryLock(path: string, staleMs: number): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return true;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw new FileSystemError("create", path, error);
    }
    const age = await stat(path).then(
      (stats) => Date.now() - stats.mtimeMs,
      () => Infinity,
    );
    if (age < staleMs) return false;
    await remove(path).catch(() => false);
  }
  return false;
}

/** Releases a lock taken with {@link tryLock}. */
export async function unlock(path: string): Promise<void> {
  await remove(path).catch(() => false);
}
