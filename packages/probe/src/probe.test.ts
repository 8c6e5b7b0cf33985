import { describe, expect, it } from "vitest";
import { FakeClock, settle } from "../test/support/fake-clock.js";
import { recordingLogger } from "../test/support/log.js";
import { functionCheck } from "./checks/function-check.js";
import { createChecks } from "./checks.js";
import type { ChecksRunner } from "./contract.js";
import { ChecksModuleError, InvalidOptionError, OutputClosedError } from "./errors.js";
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
    const checks = createChecks([functionCheck(() => createMessage({ aspect: "n", value: ++n, time: 1 }), { intervalMs: 1_000 })], {
      time: clock,
    });
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
    const running = runProbe({ checks: runner, output, signal: stop.signal, logger, time: clock, retryMs: 500 });
    await settle();
    expect(logger.has("ERROR", 'CHECKS.runNext() failed error="backend down" retryInMs=500')).toBe(true);
    expect(calls).toBe(1);
    await clock.advance(500);
    expect(calls).toBe(4);
    expect(output.sent.map((m) => m.event.name)).toEqual(["ok", "ok"]);
    expect(logger.lines.filter((l) => l.includes('produced an invalid message reason="time must be a finite number'))).toHaveLength(2);
    stop.abort();
    await running; // returns although runNext() never settles
  });

  it("keeps serving when a CHECKS object returns something that is not a list, or the output refuses a message", async () => {
    const clock = new FakeClock(0);
    const logger = recordingLogger();
    let calls = 0;
    const runner = {
      runNext(): unknown {
        calls++;
        if (calls === 1) return 42; // not iterable
        if (calls === 2)
          return [createMessage({ aspect: "refused", state: "ok", time: 1 }), createMessage({ aspect: "kept", state: "ok", time: 1 })];
        return new Promise<unknown[]>(() => undefined);
      },
    } as unknown as ChecksRunner;
    const output = memoryOutput();
    const refusing: Output = {
      ...output,
      send: (m) => {
        if (m.event.name === "refused") throw new OutputClosedError("memory");
        output.send(m);
      },
    };
    const stop = new AbortController();
    const running = runProbe({ checks: runner, output: refusing, signal: stop.signal, logger, time: clock, retryMs: 100 });
    await settle();
    expect(
      logger.has("ERROR", 'CHECKS.runNext() failed error="CHECKS.runNext() must return an iterable of messages, got 42" retryInMs=100'),
    ).toBe(true);
    await clock.advance(100);
    expect(calls).toBe(3);
    expect(output.sent.map((m) => m.event.name)).toEqual(["kept"]);
    expect(logger.has("ERROR", 'sending a message failed error="output memory is closed"')).toBe(true);
    expect(logger.lines.filter((line) => line.startsWith("ERROR"))).toHaveLength(2);
    stop.abort();
    await running;
    expect(new ChecksModuleError("x").code).toBe("ERR_X_PROBE_CHECKS_MODULE");
  });

  it("validates its options, naming the bad one", async () => {
    const output = memoryOutput();
    await expect(runProbe({ checks: [] as unknown as ChecksRunner, output })).rejects.toThrow(
      "`checks` must be a Checks scheduler (createChecks()) or an object with runNext(), got []",
    );
    await expect(runProbe({ checks: createChecks([]), output: {} as Output })).rejects.toThrow(
      "`output` must be an output with send(), got {}",
    );
    await expect(runProbe({ checks: createChecks([]), output, signal: "stop" as unknown as AbortSignal })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(runProbe({ checks: createChecks([]), output, retryMs: -1 })).rejects.toThrow(
      "`retryMs` must be a finite number of milliseconds >= 0, got -1",
    );
  });
});
