import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { memoryLogger } from "../test/fakes.js";
import { Clock, type ClockEmitter, MINUTE_PASSED } from "./clock.js";
import type { Event } from "./event.js";
import type { EmitOptions } from "./events.js";

/** An emitter that keeps what it was asked to emit, de-duplicating by uid like the stream does. */
function memoryEmitter(fail = false) {
  const emitted: { event: string; at: Date; options: EmitOptions }[] = [];
  const stored = new Map<string, Date>();
  const emitter: ClockEmitter = {
    async emit(event: Event<Date>, payload: Date, options: EmitOptions) {
      emitted.push({ event: event.name, at: payload, options });
      if (fail) throw new Error("server down");
      if (options.uid !== undefined && !stored.has(options.uid)) stored.set(options.uid, payload);
    },
  };
  return { emitter, emitted, stored };
}

beforeEach(() => {
  // 10:00:20.500 UTC: 39.5 s before the next minute boundary.
  vi.useFakeTimers({ now: Date.UTC(2024, 0, 1, 10, 0, 20, 500) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Clock", () => {
  it("emits each tick at the period boundary with the scheduled time as payload and uid <event>:<tick>", async () => {
    const clock = Clock({ periodMs: 60_000 });
    const { emitter, emitted } = memoryEmitter();
    const running = clock.run(emitter, { ticks: 3 });
    await vi.advanceTimersByTimeAsync(39_499);
    expect(emitted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(emitted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(await running).toBe(3);
    const minute = Date.UTC(2024, 0, 1, 10, 1) / 60_000;
    expect(emitted.map((e) => e.at.toISOString())).toEqual([
      "2024-01-01T10:01:00.000Z",
      "2024-01-01T10:02:00.000Z",
      "2024-01-01T10:03:00.000Z",
    ]);
    expect(emitted.map((e) => e.options.uid)).toEqual([
      `minute-passed:${minute}`,
      `minute-passed:${minute + 1}`,
      `minute-passed:${minute + 2}`,
    ]);
    expect(emitted.every((e) => e.event === MINUTE_PASSED.name && e.options.sync === true)).toBe(true);
  });

  it("two clocks waking at different moments produce the same uids, so each tick is stored once", async () => {
    const clock = Clock({ periodMs: 1_000 });
    const { emitter, emitted, stored } = memoryEmitter();
    const a = clock.run(emitter, { ticks: 3 });
    await vi.advanceTimersByTimeAsync(137); // the second clock starts (and wakes) a bit later
    const b = clock.run(emitter, { ticks: 3 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await a).toBe(3);
    expect(await b).toBe(3);
    expect(emitted).toHaveLength(6);
    expect(stored.size).toBe(3); // walnats' remainder uids would store all 6
    expect([...stored.values()].every((at) => at.getTime() % 1_000 === 0)).toBe(true);
  });

  it("burst emits the next tick only; a signal stops the clock", async () => {
    const { emitter, emitted } = memoryEmitter();
    const burst = Clock({ periodMs: 5_000 }).run(emitter, { burst: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await burst).toBe(1);
    const stop = new AbortController();
    const running = Clock({ periodMs: 5_000 }).run(emitter, { signal: stop.signal });
    await vi.advanceTimersByTimeAsync(10_000);
    stop.abort();
    expect(await running).toBe(2);
    expect(emitted).toHaveLength(3);
  });

  it("passes its signal to each emit, so stopping it stops waiting for the server", async () => {
    const { emitter, emitted } = memoryEmitter();
    const stop = new AbortController();
    const running = Clock({ periodMs: 1_000 }).run(emitter, { signal: stop.signal, ticks: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await running).toBe(1);
    expect(emitted[0]?.options.signal).toBe(stop.signal);
  });

  it("reports a failed emit and keeps ticking", async () => {
    const logger = memoryLogger();
    const { emitter } = memoryEmitter(true);
    const running = Clock({ periodMs: 1_000, logger }).run(emitter, { ticks: 2 });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await running).toBe(2);
    expect(logger.lines.filter((l) => l.message === "clock tick not emitted")).toHaveLength(2);
  });

  it("validates its options", () => {
    expect(() => Clock({ periodMs: 0 })).toThrow(/`periodMs`/);
    expect(() => Clock({ periodMs: 1.5 })).toThrow(/`periodMs`/);
    expect(() => Clock({ period: 1_000 } as never)).toThrow(
      /`period` is not an option of Clock\(\); valid options: event, logger, meta, periodMs/,
    );
    expect(Clock().periodMs).toBe(60_000);
    expect(Clock({ periodMs: 60_000 }).tickOf(Date.UTC(2024, 0, 1, 10, 0, 59))).toBe(Date.UTC(2024, 0, 1, 10) / 60_000);
  });
});
