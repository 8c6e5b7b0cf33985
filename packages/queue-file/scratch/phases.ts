import { mkdtempSync } from "node:fs";
import { createFileQueue } from "../src/index.js";
const q = createFileQueue({ dir: mkdtempSync("/tmp/qfx/p-") });
await q.enqueue({ payload: 1 }); await (await q.reserve())?.ack();
let te = 0, tr = 0, ta = 0; const N = 500;
for (let i = 0; i < N; i++) {
  let t = performance.now(); await q.enqueue({ payload: { to: "someone@example.com" } }); te += performance.now() - t;
  t = performance.now(); const j = await q.reserve(); tr += performance.now() - t;
  t = performance.now(); await j?.ack(); ta += performance.now() - t;
}
console.log("enqueue", (te/N).toFixed(3), "reserve", (tr/N).toFixed(3), "ack", (ta/N).toFixed(3));
