import { mkdtempSync } from "node:fs";
import { createFileQueue } from "../src/index.js";
const q = createFileQueue({ dir: mkdtempSync("/tmp/qfx/p-") });
const N = 3000;
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N; i++) {
  await q.enqueue({ requestType: "mail", payload: { to: "someone@example.com", subject: "hello", lines: ["a short job", "of about 150 bytes"] } });
  const j = await q.reserve(); await j?.ack();
}
const c = process.cpuUsage(c0); const ms = performance.now() - t0;
console.log("per job: wall", (ms/N).toFixed(3), "ms; user", (c.user/1000/N).toFixed(3), "ms; system", (c.system/1000/N).toFixed(3), "ms");
