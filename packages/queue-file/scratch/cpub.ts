import { mkdtempSync } from "node:fs";
import { bareJob } from "../bench/durable-job.js";
const job = bareJob(mkdtempSync("/tmp/qfx/b-"));
const N = 3000;
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N; i++) await job();
const c = process.cpuUsage(c0); const ms = performance.now() - t0;
console.log("bare per job: wall", (ms/N).toFixed(3), "ms; user", (c.user/1000/N).toFixed(3), "ms; system", (c.system/1000/N).toFixed(3), "ms");
