import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clockTicks: number | undefined;

/**
 * CPU time (user + system) another process has used so far, in microseconds, read from
 * `/proc/<pid>/stat` (Linux): the servers' share of a benchmark's work, next to the client's own
 * `process.cpuUsage()`.
 */
export function processCpuMicros(pid: number): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
  // The command name may hold spaces and parentheses: the fields start after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicks;
}
