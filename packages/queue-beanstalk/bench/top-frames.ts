/**
 * Prints the top frames of a `.cpuprofile` (from `node --cpu-prof`) by self time, as a Markdown
 * table for BENCHMARKS.md: `tsx bench/top-frames.ts <file.cpuprofile> [rows]`. Module loading
 * (tsx compiling the sources at start-up) is left out: it is paid once, not per job.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const STARTUP = /node:internal\/modules|\/tsx\/dist\/|cjs-module-lexer|esprima|node:internal\/bootstrap\/realm/;
const [file, rowsText] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: top-frames.ts <file.cpuprofile> [rows]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[i] ?? 0;
  if (!node) return;
  const { functionName, url, lineNumber } = node.callFrame;
  if (STARTUP.test(url)) return;
  const where =
    url === ""
      ? ""
      : `${url.replace(/^.*\/node_modules\//, "").replace(/^.*\/(packages|tools)\//, "")}${lineNumber > 0 ? `:${String(lineNumber + 1)}` : ""}`;
  const key = `${functionName || "(anonymous)"} ${where}`.trim();
  selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
  total += delta;
});
const idle = selfUs.get("(idle)") ?? 0;
const busy = total - idle;
console.log(`busy ${(busy / 1000).toFixed(0)} ms (module loading left out) of ${(total / 1000).toFixed(0)} ms sampled\n`);
console.log("| frame | self ms | share of busy |\n|---|---|---|");
const rows = [...selfUs].filter(([key]) => key !== "(idle)").sort((a, b) => b[1] - a[1]);
for (const [key, us] of rows.slice(0, Number(rowsText ?? 25))) {
  console.log(`| \`${key}\` | ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)}% |`);
}
