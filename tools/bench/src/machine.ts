import { cpus, platform, release, totalmem } from "node:os";

/** One line describing the machine a benchmark ran on, for BENCHMARKS.md. */
export function machine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? "unknown CPU";
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${model}, ${cpu.length} cores, ${gib} GiB, ${platform()} ${release()}, Node ${process.version}`;
}
