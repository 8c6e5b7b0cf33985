import { fileURLToPath } from "node:url";
import { type ChildProcess, spawnTs, startNatsServer } from "@x/test-servers";
import { describe, expect, it } from "vitest";
import { COUNT } from "../examples/events.js";
import { Actor, Actors, Events } from "../src/index.js";
import { exited, onLines, stderrOf, until } from "./helpers.js";

const example = (file: string): string => fileURLToPath(new URL(`../examples/${file}`, import.meta.url));
const packageDir = fileURLToPath(new URL("..", import.meta.url));

describe("the 30-second demo (examples/)", () => {
  it("two subscribers share the counts; stopping one (Ctrl+C) loses nothing", async () => {
    await using server = await startNatsServer();
    // Create the stream and the subscribers' consumer up front (what a deploy step would do), so
    // every count is kept from the first one on, whichever process starts first.
    await using events = await Events(COUNT).connect({ servers: server.url });
    await events.register();
    await using actors = await Actors(Actor("print", COUNT, () => undefined)).connect({ servers: server.url });
    await actors.register();
    const env = { ...process.env, NATS_URL: server.url, EMIT_EVERY_MS: "50" };
    const run = (file: string): { child: ChildProcess; lines: string[]; stderr: () => string } => {
      const child = spawnTs(example(file), [], { cwd: packageDir, env });
      const lines: string[] = [];
      onLines(child, (line) => lines.push(line));
      return { child, lines, stderr: stderrOf(child) };
    };
    const pub = run("pub.ts");
    await until(() => pub.lines.includes("emitted 0"));
    const sub1 = run("sub.ts");
    const sub2 = run("sub.ts");
    await until(() => sub1.lines.includes("listening for counts") && sub2.lines.includes("listening for counts"));
    const emitted = (): number[] => pub.lines.filter((l) => l.startsWith("emitted ")).map((l) => Number(l.slice(8)));
    const printed = (...subs: { lines: string[] }[]): number[] => subs.flatMap((s) => s.lines.filter((l) => /^\d+$/.test(l)).map(Number));

    await until(() => printed(sub1).length >= 3 && printed(sub2).length >= 3); // both get work
    sub1.child.kill("SIGINT");
    expect(await exited(sub1.child), sub1.stderr()).toBe(0);
    const lastBeforeStop = emitted().at(-1) ?? 0;
    await until(() => printed(sub2).some((n) => n > lastBeforeStop + 3)); // sub2 carries on alone
    pub.child.kill("SIGINT");
    expect(await exited(pub.child), pub.stderr()).toBe(0);
    const all = emitted();
    await until(() => all.every((n) => printed(sub1, sub2).includes(n)));
    sub2.child.kill("SIGINT");
    expect(await exited(sub2.child), sub2.stderr()).toBe(0);

    const handled = printed(sub1, sub2);
    expect(new Set(handled).size).toBe(handled.length); // each count printed once: work sharing, not copying
    expect(all.filter((n) => !handled.includes(n))).toEqual([]); // nothing emitted was lost
    expect(all[0]).toBe(0);
  }, 90_000);
});
