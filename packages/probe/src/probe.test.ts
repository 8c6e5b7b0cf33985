import { describe, expect, it } from "vitest";
import { FakeClock, settle } from "../test/support/fake-clock.js";
import { recordingLogger } from "../test/support/log.js";
import { Checks } from "./checks.js";
import { functionCheck } from "./checks/function-check.js";
import { createMessage } from "./message/build.js";
import type { ProbeMessage } from "./message/types.js";
import type { Output } from "./outputs/output.js";
import { runProbe } from "./probe.js";

function memoryOutput(): Output & { readonly sent: ProbeMessage[] } {
  const sent: ProbeMessage[] = [];
  return {
    name: "memory",
    sent,
    send: (m) => {
      sent.push(m);
    },
    flush: async () => undefined,
    close: async () => undefined,
    stats: () => ({ sent: sent.length, dropped: 0, pending: 0 }),
    [Symbol.asyncDispose]: async () => undefined,
  };
}

describe("runProbe", () => {
  it("sends what a Checks scheduler produces until aborted", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    let n = 0;
    const checks = new Checks([functionCheck(() => createMessage({ aspect: "n", value: ++n, time: 1 }), { intervalMs: 1_000 })], { clock });
    const output = memoryOutput();
    const stop = new AbortController();
    const running = runProbe({ checks, output, signal: stop.signal });
    await clock.advance(2_000);
    stop.abort();
    await running;
    expect(output.sent.map((m) => m.event.vset?.value?.value)).toEqual([1, 2, 3]);
    await checks.close();
  });

  it("validates what a CHECKS object returns and retries a runNext() that throws", async () => {
    const clock = new FakeClock(0);
    const logger = recordingLogger();
    let calls = 0;
    const runner = {
      async runNext(): Promise<unknown[]> {
        calls++;
        if (calls === 1) throw new Error("backend down");
        if (calls > 3) return new Promise<unknown[]>(() => undefined); // blocks and ignores the signal
        return [createMessage({ aspect: "ok", state: "ok", time: 1 }), { v: 3 }];
      },
    };
    const output = memoryOutput();
    const stop = new AbortController();
    const running = runProbe({ checks: runner, output, signal: stop.signal, logger, clock, retryMs: 500 });
    await settle();
    expect(logger.has("ERROR", "CHECKS.runNext() failed: backend down; retrying in 500 ms")).toBe(true);
    expect(calls).toBe(1);
    await clock.advance(500);
    expect(calls).toBe(4);
    expect(output.sent.map((m) => m.event.name)).toEqual(["ok", "ok"]);
    expect(logger.lines.filter((l) => l.includes("produced an invalid message: time must be a finite number"))).toHaveLength(2);
    stop.abort();
    await running; // returns although runNext() never settles
  });
});
