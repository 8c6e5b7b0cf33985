import { mkdtempSync, mkdirSync } from "node:fs";
import { open, rename, unlink, stat } from "node:fs/promises";
import { join } from "node:path";
const d = mkdtempSync("/tmp/qfx/f-"); mkdirSync(join(d, "tmp")); mkdirSync(join(d, "ready"));
const dh = await open(join(d, "ready"), "r");
const jh = await open(join(d, "journal"), "a+");
const buf = Buffer.alloc(200, 65);
const t: Record<string, number> = {};
const lap = (k: string, s: number) => { t[k] = (t[k] ?? 0) + performance.now() - s; return performance.now(); };
const N = 500;
for (let i = 0; i < N; i++) {
  let s = performance.now();
  const h = await open(join(d, "tmp", `t${i}`), "wx", 0o600); s = lap("open", s);
  await h.writeFile(buf); s = lap("write", s);
  await h.sync(); s = lap("fsync", s);
  await h.close(); s = lap("close", s);
  await rename(join(d, "tmp", `t${i}`), join(d, "ready", `r${i}`)); s = lap("rename", s);
  await dh.sync(); s = lap("dirsync", s);
  await stat(join(d, "journal")); s = lap("stat", s);
  await jh.write(`r${i}\n`); s = lap("jwrite", s);
  await unlink(join(d, "ready", `r${i}`)); s = lap("unlink", s);
}
for (const [k, v] of Object.entries(t)) console.log(k, (v / N).toFixed(3));
