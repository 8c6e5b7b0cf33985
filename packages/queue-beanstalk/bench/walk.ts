/**
 * What a `list()` walk costs: the walk asks `stats-job` about every job id the server assigned.
 *
 * - ours: a full `list({ state: "buried" })` walk of a tube holding 10 buried jobs, on a server
 *   that assigned `BENCH_IDS` (default 50000) other ids, half of them jobs of another tube still
 *   there and half deleted (answered `NOT_FOUND`); a new queue each round, so no floor is known;
 * - baseline: raw fivebeans asking `stats-job` about the same ids, pipelined the same way (at most
 *   512 in flight), the replies parsed by fivebeans.
 *
 * Rates are ids looked at per second. One warm-up round, then `BENCH_ROUNDS` (default 5); the
 * round with the median ratio is reported.
 */
import { performance } from "node:perf_hooks";
import { compare, machine } from "@x/bench";
import { listAll } from "@x/message";
import { startBeanstalkd } from "@x/test-servers";
import { createBeanstalkQueue } from "../src/index.js";
import { connectFivebeans } from "../test/helpers.js";

const IDS = Number(process.env.BENCH_IDS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 512;

await using server = await startBeanstalkd();
const connection = { host: server.host, port: server.port };

const noise = createBeanstalkQueue({ ...connection, tube: "noise" });
// Half the ids deleted (bulk delete, itself a walk), half jobs of another tube that stay.
await noise.enqueueMany(Array.from({ length: IDS / 2 }, (_, i) => ({ requestType: "gone", payload: i })));
const deleting = performance.now();
const { changed: removed } = await noise.bulk({ action: "delete", state: "ready" });
const deleteMs = performance.now() - deleting;
await noise.enqueueMany(Array.from({ length: IDS / 2 }, (_, i) => ({ requestType: "noise", payload: i })));
const tube = "walked";
const target = createBeanstalkQueue({ ...connection, tube });
await target.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ requestType: "stuck", payload: i })));
for (let i = 0; i < 10; i++) await (await target.reserve())?.bury("bench");
const highest = Number((await target.list({ state: "buried", limit: 1000 })).jobs.at(-1)?.id ?? 0);
await target.close();
await noise.close();
console.log(`ids 1..${String(highest)}; bulk delete of ${String(removed)} jobs took ${deleteMs.toFixed(0)} ms`);

async function ours(): Promise<number> {
  const queue = createBeanstalkQueue({ ...connection, tube });
  await queue.stats();
  const started = performance.now();
  let listed = 0;
  for await (const _job of listAll(queue, { state: "buried", limit: 1000 })) listed++;
  const ms = performance.now() - started;
  if (listed !== 10) throw new Error(`listed ${String(listed)} jobs, expected 10`);
  await queue.close();
  return (highest * 1000) / ms;
}

async function raw(): Promise<number> {
  const client = await connectFivebeans(server.host, server.port);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 1;
    let answered = 0;
    const ask = (): void => {
      client.stats_job(next++, (err) => {
        if (err !== null && err !== "NOT_FOUND") reject(new Error(err));
        else if (++answered === highest) resolve();
        else if (next <= highest) ask();
      });
    };
    while (next <= Math.min(highest, WINDOW)) ask();
  });
  const ms = performance.now() - started;
  client.stream?.destroy();
  return (highest * 1000) / ms;
}

const oursRates: number[] = [];
const rawRates: number[] = [];
const fmt = (n: number | undefined): string => Math.round(n ?? 0).toLocaleString("en-US");
for (let round = 0; round <= ROUNDS; round++) {
  const o = await ours();
  const r = await raw();
  if (round === 0) continue;
  oursRates.push(o);
  rawRates.push(r);
  console.log(`round ${String(round)}: list() walk ${fmt(o)} ids/s, raw fivebeans stats-job ${fmt(r)} ids/s`);
}
console.log(machine());
const rounds = oursRates.map((o, i) => ({ ours: o, baseline: rawRates[i] ?? Number.NaN }));
rounds.sort((a, b) => a.ours / a.baseline - b.ours / b.baseline);
compare({
  name: `list() walk over ${String(highest)} ids (half of them jobs of another tube), median round`,
  unit: "ids/s",
  ...(rounds[Math.floor(rounds.length / 2)] ?? { ours: Number.NaN, baseline: Number.NaN }),
  baselineName: "raw fivebeans stats-job, 512 in flight",
  target: ">= 0.8",
});
