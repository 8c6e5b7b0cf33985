import type { QueueStats } from "@x/message";
import { describe, expect, it } from "vitest";
import { formatRates, ratesBetween, type StatsSample } from "./rates.js";

const sample = (atMs: number, counts: Partial<QueueStats>, extra?: Record<string, number>): StatsSample => ({
  atMs,
  stats: { ready: 0, delayed: 0, reserved: 0, buried: 0, ...counts, ...(extra === undefined ? {} : { extra }) },
});

describe("ratesBetween", () => {
  it("beanstalkd: enqueued from total-jobs, finished from cmd-delete, failed from the growth of buried", () => {
    const before = sample(1_000, { ready: 10, buried: 1 }, { "total-jobs": 100, "cmd-delete": 50 });
    const after = sample(3_000, { ready: 14, buried: 3 }, { "total-jobs": 120, "cmd-delete": 64 });
    expect(ratesBetween(before, after)).toEqual({ enqueued: 10, finished: 7, failed: 1, net: 3 });
  });

  it("without a finished counter, finished is what was enqueued minus what the queue grew", () => {
    const before = sample(0, { ready: 10 }, { enqueued: 0 });
    const after = sample(1_000, { ready: 4 }, { enqueued: 30 });
    expect(ratesBetween(before, after)).toEqual({ enqueued: 30, finished: 36, failed: 0, net: -6 });
  });

  it("without counters (the file queue), only the net change and new burials are known", () => {
    const before = sample(0, { ready: 10, buried: 5 }, { corrupt: 0 });
    const after = sample(500, { ready: 4, buried: 6 }, { corrupt: 0 });
    expect(ratesBetween(before, after)).toEqual({ enqueued: null, finished: null, failed: 2, net: -10 });
  });

  it("a kick (buried shrinks) is not a negative failure rate", () => {
    expect(ratesBetween(sample(0, { buried: 5 }), sample(1_000, { ready: 5 }))?.failed).toBe(0);
  });

  it("a counter that went back (a restarted server) gives no rate rather than a negative one", () => {
    const rates = ratesBetween(sample(0, {}, { "total-jobs": 500 }), sample(1_000, {}, { "total-jobs": 3 }));
    expect(rates?.enqueued).toBeNull();
    expect(rates?.finished).toBeNull();
  });

  it("no time between the samples gives no rates", () => {
    expect(ratesBetween(sample(5, {}), sample(5, {}))).toBeNull();
  });

  it("formats unknown rates as -", () => {
    expect(formatRates(null)).toBe("enqueued/s -  finished/s -  failed/s -  net/s -");
    expect(formatRates({ enqueued: null, finished: 2.25, failed: 0, net: -1 })).toBe(
      "enqueued/s -  finished/s 2.3  failed/s 0.0  net/s -1.0",
    );
  });
});
